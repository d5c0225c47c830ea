// The only system files a test may read: those in tests/inputs.list (path, package=version,
// SHA-256), from Debian 12 data packages that have not changed since its release. Everything
// else a test needs it makes itself, so the suite tests the same thing on every machine (issue
// 17: tests that listed /usr/share/doc failed on machines with more documentation installed).
// A listed file that is missing or differs fails the calling test with its name; an unlisted
// path is a mistake in the test and fails it too. Nothing is skipped silently, and nothing is
// picked up in a listed file's place.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>


namespace trawl::test {

struct PinnedInput {
  std::string package;  // package=version
  std::string sha256;
};

inline std::string pinned_sha256(const std::vector<std::byte>& bytes) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d, &n, EVP_sha256(), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < n; ++i) hex += {digits[d[i] >> 4], digits[d[i] & 15]};
  return hex;
}

inline const std::map<std::string, PinnedInput>& pinned_inputs() {
  static const std::map<std::string, PinnedInput> list = [] {
    std::map<std::string, PinnedInput> out;
    std::ifstream in(TRAWL_INPUTS_LIST);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string path, package, sha256;
      fields >> path >> package >> sha256;
      out[path] = {package, sha256};
    }
    return out;
  }();
  return list;
}

// The bytes of a listed system file; empty (and the test failed, naming the file and why) when
// the path is not listed, the file is missing, or its SHA-256 is not the listed one.
inline std::vector<std::byte> pinned_bytes(const std::filesystem::path& path) {
  const auto it = pinned_inputs().find(path.string());
  if (it == pinned_inputs().end()) {
    ADD_FAILURE() << path << " is not in tests/inputs.list: a test may read only the pinned system files";
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << path << " is missing (" << it->second.package << "; scripts/setup.sh installs it)";
    return {};
  }
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  if (const auto digest = pinned_sha256(bytes); digest != it->second.sha256) {
    ADD_FAILURE() << path << " differs from the pinned file of " << it->second.package << " (SHA-256 " << digest
                  << ", listed " << it->second.sha256 << ")";
    return {};
  }
  return bytes;
}

// A listed system file's path, for a tool that reads it (xz, pnmtojpeg); checked as above, so a
// test that goes on with it reads exactly the pinned bytes. Empty when the check failed.
inline std::filesystem::path pinned(const std::filesystem::path& path) {
  return pinned_bytes(path).empty() ? std::filesystem::path() : path;
}

}  // namespace trawl::test
