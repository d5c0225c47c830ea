#include "host/hashing/evp.hpp"

#include <openssl/err.h>

#include <mutex>
#include <string>

#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

[[noreturn]] void fail(const char* what) {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  throw Error(ErrorKind::internal, std::string("OpenSSL ") + what + " failed: " + text);
}

}  // namespace

const EVP_MD* evp_md(HashAlgorithm algorithm) {
  static const EVP_MD* fetched[8] = {};
  static std::once_flag once;
  std::call_once(once, [] {
    fetched[static_cast<unsigned>(HashAlgorithm::md5)] = EVP_MD_fetch(nullptr, "MD5", nullptr);
    fetched[static_cast<unsigned>(HashAlgorithm::sha1)] = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    fetched[static_cast<unsigned>(HashAlgorithm::sha256)] = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    fetched[static_cast<unsigned>(HashAlgorithm::sha512)] = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  });
  auto index = static_cast<unsigned>(algorithm);
  if (index >= 8 || !fetched[index])
    throw Error(ErrorKind::internal, "no OpenSSL digest for " + std::string(info(algorithm).name));
  return fetched[index];
}

EvpContext::EvpContext(const EVP_MD* md) : md_(md), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) fail("EVP_MD_CTX_new");
  init();
}

EvpContext::~EvpContext() { EVP_MD_CTX_free(ctx_); }

void EvpContext::init() {
  if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1) fail("EVP_DigestInit_ex2");
}

void EvpContext::update(std::span<const std::byte> bytes) {
  if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1) fail("EVP_DigestUpdate");
}

unsigned EvpContext::final(unsigned char* out) {
  unsigned size = 0;
  if (EVP_DigestFinal_ex(ctx_, out, &size) != 1) fail("EVP_DigestFinal_ex");
  return size;
}

}  // namespace trawl::detail
