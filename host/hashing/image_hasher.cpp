#include "host/hashing/image_hasher.hpp"

#include <openssl/evp.h>
#include <xxhash.h>

#include <array>

#include "host/hashing/evp.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

class EvpImageHasher final : public ImageHasher {
 public:
  explicit EvpImageHasher(HashAlgorithm algorithm) : ctx_(evp_md(algorithm)) {}
  void update(std::span<const std::byte> bytes) override { ctx_.update(bytes); }
  std::string final_hex() override {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned size = ctx_.final(digest.data());
    return to_hex(std::span<const unsigned char>(digest.data(), size));
  }

 private:
  EvpContext ctx_;
};

class Xxh128ImageHasher final : public ImageHasher {
 public:
  Xxh128ImageHasher() : state_(XXH3_createState(), &XXH3_freeState) {
    if (!state_ || XXH3_128bits_reset(state_.get()) != XXH_OK) throw std::bad_alloc();
  }
  void update(std::span<const std::byte> bytes) override {
    XXH3_128bits_update(state_.get(), bytes.data(), bytes.size());
  }
  std::string final_hex() override {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_.get()));
    return to_hex(std::span<const unsigned char>(canonical.digest, sizeof canonical.digest));
  }

 private:
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state_;
};

}  // namespace

std::unique_ptr<ImageHasher> make_image_hasher(HashAlgorithm algorithm) {
  if (algorithm == HashAlgorithm::xxh128) return std::make_unique<Xxh128ImageHasher>();
  return std::make_unique<EvpImageHasher>(algorithm);
}

}  // namespace trawl::detail
