#include "host/hashing/algorithms.hpp"

#include <array>

#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

constexpr std::array<AlgorithmInfo, 6> table{{
    {HashAlgorithm::md5, "md5", "MD5", 16, true, true},
    {HashAlgorithm::sha1, "sha1", "SHA1", 20, true, true},
    {HashAlgorithm::sha256, "sha256", "SHA256", 32, true, true},
    {HashAlgorithm::sha512, "sha512", "SHA512", 64, true, false},
    {HashAlgorithm::xxh128, "xxh128", "XXH128", 16, true, false},
    {HashAlgorithm::xxh64, "xxh64", "XXH64", 8, false, true},
}};

HashAlgorithm find(std::string_view name, bool AlgorithmInfo::*allowed, std::string_view use) {
  std::string names;
  for (const auto& a : table) {
    if (!(a.*allowed)) continue;
    if (a.name == name) return a.id;
    names += names.empty() ? "" : ", ";
    names += a.name;
  }
  throw Error(ErrorKind::options,
              "unknown " + std::string(use) + " hash '" + std::string(name) + "' (choose from " + names + ")");
}

}  // namespace

const AlgorithmInfo& info(HashAlgorithm algorithm) {
  for (const auto& a : table)
    if (a.id == algorithm) return a;
  throw Error(ErrorKind::internal, "unknown hash algorithm id " + std::to_string(static_cast<unsigned>(algorithm)));
}

HashAlgorithm image_algorithm(std::string_view name) { return find(name, &AlgorithmInfo::image, "image"); }
HashAlgorithm block_algorithm(std::string_view name) { return find(name, &AlgorithmInfo::block, "block"); }

const AlgorithmInfo* by_tag(std::string_view tag) {
  for (const auto& a : table)
    if (a.tag == tag) return &a;
  return nullptr;
}

}  // namespace trawl::detail
