// RAII over OpenSSL's EVP digests, the boundary where C handles become C++ objects.
#pragma once

#include <openssl/evp.h>

#include <span>

#include "host/hashing/algorithms.hpp"

namespace trawl::detail {

// The fetched EVP_MD for an algorithm; fetched once per process (implicit fetches per call
// cost a lookup each, which shows on 4 KiB blocks).
const EVP_MD* evp_md(HashAlgorithm algorithm);

// One digest context, reusable: init() restarts it without reallocating.
class EvpContext {
 public:
  explicit EvpContext(const EVP_MD* md);
  EvpContext(const EvpContext&) = delete;
  EvpContext& operator=(const EvpContext&) = delete;
  ~EvpContext();
  void init();
  void update(std::span<const std::byte> bytes);
  unsigned final(unsigned char* out);  // returns the digest size; the context must be init()ed again

 private:
  const EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace trawl::detail
