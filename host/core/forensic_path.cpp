#include "host/core/forensic_path.hpp"

#include <charconv>

namespace trawl {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), last, v);
  if (s.empty() || ec != std::errc() || ptr != last) return std::nullopt;
  return v;
}

bool is_kind(std::string_view s) {
  if (s.empty() || s[0] < 'A' || s[0] > 'Z') return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

std::string ForensicPath::text() const {
  std::string s = member.empty() ? std::string() : member + ":";
  s += std::to_string(offset);
  for (const auto& step : steps) s += "-" + step.kind + "-" + std::to_string(step.offset);
  return s;
}

std::string ForensicPath::container() const {
  if (steps.empty()) return member.empty() ? std::string() : member + ":";
  std::string s = text();
  s.resize(s.size() - std::to_string(steps.back().offset).size() - 1);
  return s;
}

std::optional<ForensicPath> parse_forensic_path(std::string_view text) {
  ForensicPath p;
  // A member's path may hold ':' and '-'; what follows its last ':' holds neither ':' nor a member.
  const auto colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    if (colon == 0) return std::nullopt;
    p.member = std::string(text.substr(0, colon));
    text.remove_prefix(colon + 1);
  }
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    const auto dash = text.find('-', from);
    parts.push_back(text.substr(from, dash == std::string_view::npos ? std::string_view::npos : dash - from));
    if (dash == std::string_view::npos) break;
    from = dash + 1;
  }
  if (parts.size() % 2 == 0) return std::nullopt;  // OFFSET, then KIND and N in pairs
  const auto offset = number(parts[0]);
  if (!offset) return std::nullopt;
  p.offset = *offset;
  for (std::size_t i = 1; i < parts.size(); i += 2) {
    const auto n = number(parts[i + 1]);
    if (!is_kind(parts[i]) || !n) return std::nullopt;
    p.steps.push_back({std::string(parts[i]), *n});
  }
  return p;
}

std::string forensic_path(std::string_view container, std::uint64_t offset) {
  std::string s(container);
  if (!s.empty() && s.back() != ':') s += '-';
  return s + std::to_string(offset);
}

std::string decoded_container(std::string_view container, std::uint64_t offset, std::string_view kind) {
  return forensic_path(container, offset) + "-" + std::string(kind);
}

}  // namespace trawl
