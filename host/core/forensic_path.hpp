// Forensic paths (../shared/design.md, "Forensic paths compose"): where a record lies, read left
// to right,
//
//     [MEMBER ":"] OFFSET ("-" KIND "-" N)*         e.g. 1048576-GZIP-300, data/msgstore.db:4096-BPLIST-12
//
// MEMBER is an extraction member's path (absent for a disk image), OFFSET the bytes into the
// member or the image, and each "-KIND-N" step the data decoded (GZIP, ZIP, BPLIST, ...) from the
// position before it, then N bytes into that decoded data. Paths are built and parsed here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

struct ForensicPath {
  struct Step {
    std::string kind;          // upper-case letters and digits, starting with a letter: "GZIP", "ZIP"
    std::uint64_t offset = 0;  // bytes into the decoded data
    friend bool operator==(const Step&, const Step&) = default;
  };
  std::string member;        // an extraction member's path; empty: the image itself
  std::uint64_t offset = 0;  // bytes into the member or the image
  std::vector<Step> steps;

  std::string text() const;
  // The data that holds the last position, as forensic_path() takes it: "" for an image offset,
  // "MEMBER:" for a member offset, else the text up to the last step's kind ("1048576-GZIP").
  std::string container() const;
  // The last position: the last step's offset, or `offset` when there is no step.
  std::uint64_t position() const { return steps.empty() ? offset : steps.back().offset; }
  friend bool operator==(const ForensicPath&, const ForensicPath&) = default;
};

// The path that `text` spells, or nullopt when it is not a forensic path.
std::optional<ForensicPath> parse_forensic_path(std::string_view text);

// The path of the record `offset` bytes into `container` (a ForensicPath::container(), or
// decoded_container()'s result): "OFFSET", "MEMBER:OFFSET" or "CONTAINER-OFFSET".
std::string forensic_path(std::string_view container, std::uint64_t offset);

// The container of the data decoded as `kind` from `offset` bytes into `container`:
// forensic_path(container, offset) + "-" + kind.
std::string decoded_container(std::string_view container, std::uint64_t offset, std::string_view kind);

}  // namespace trawl
