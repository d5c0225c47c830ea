// Digests of test data through OpenSSL, the reference the engine's own digests are checked against.
#pragma once

#include <openssl/evp.h>

#include <span>
#include <string>

#include "host/util/text.hpp"

namespace trawl::test {

inline std::string sha256_hex(std::span<const std::byte> bytes) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d, &n, EVP_sha256(), nullptr);
  return detail::to_hex(std::span<const unsigned char>(d, n));
}

}  // namespace trawl::test
