#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trawl::detail {

// Lowercase hex of bytes, as the *sum tools print digests.
std::string to_hex(std::span<const std::byte> bytes);
std::string to_hex(std::span<const unsigned char> bytes);

// "16M", "64k", "1G", "4096" -> bytes (binary units). Throws Error(options) on anything else.
std::uint64_t parse_size(std::string_view text, std::string_view what);

// Splits "a,b,c" into its non-empty, trimmed parts.
std::vector<std::string> split_list(std::string_view text);

// errno as text, e.g. "No such file or directory".
std::string errno_text(int err);

// A path quoted for a one-line message.
std::string in_quotes(std::string_view path);

// Text for XML content or an attribute value: & < > " ' escaped; the control characters XML 1.0
// forbids even escaped (all below 0x20 but tab, LF, CR) become '?'.
std::string xml_escape(std::string_view text);

}  // namespace trawl::detail
