// The names of the option choices of trawl.hpp (BackendKind, CarveMode, ...): one table each.
#include <array>
#include <utility>

#include "trawl/trawl.hpp"

namespace trawl {
namespace {

template <class Choice, std::size_t N>
using Names = std::array<std::pair<Choice, std::string_view>, N>;

constexpr Names<BackendKind, 4> backend_names{{{BackendKind::automatic, "auto"},
                                               {BackendKind::cpu, "cpu"},
                                               {BackendKind::cuda, "cuda"},
                                               {BackendKind::emulated, "emulated"}}};
constexpr Names<CarveMode, 2> carve_mode_names{{{CarveMode::validated, "validated"}, {CarveMode::headers, "headers"}}};
constexpr Names<PrefilterMode, 3> prefilter_names{
    {{PrefilterMode::automatic, "auto"}, {PrefilterMode::emulated, "emulated"}, {PrefilterMode::off, "off"}}};
constexpr Names<FileSystemMode, 2> filesystem_names{{{FileSystemMode::automatic, "auto"}, {FileSystemMode::off, "off"}}};
constexpr Names<CarveVerdict, 3> verdict_names{
    {{CarveVerdict::valid, "valid"}, {CarveVerdict::truncated, "truncated"}, {CarveVerdict::corrupt, "corrupt"}}};

template <class Choice, std::size_t N>
std::string_view name_in(const Names<Choice, N>& names, Choice choice) noexcept {
  for (const auto& [value, name] : names)
    if (value == choice) return name;
  return "?";
}

template <class Choice, std::size_t N>
bool parse_in(const Names<Choice, N>& names, std::string_view name, Choice& choice) noexcept {
  for (const auto& [value, n] : names) {
    if (n == name) {
      choice = value;
      return true;
    }
  }
  return false;
}

template <class Choice, std::size_t N>
std::string names_of(const Names<Choice, N>& names) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) {
    if (i) s += i + 1 == N ? " or " : ", ";
    s += names[i].second;
  }
  return s;
}

}  // namespace

std::string_view to_string(BackendKind choice) noexcept { return name_in(backend_names, choice); }
std::string_view to_string(CarveMode choice) noexcept { return name_in(carve_mode_names, choice); }
std::string_view to_string(PrefilterMode choice) noexcept { return name_in(prefilter_names, choice); }
std::string_view to_string(FileSystemMode choice) noexcept { return name_in(filesystem_names, choice); }
std::string_view to_string(CarveVerdict choice) noexcept { return name_in(verdict_names, choice); }
bool parse_choice(std::string_view name, BackendKind& choice) noexcept { return parse_in(backend_names, name, choice); }
bool parse_choice(std::string_view name, CarveMode& choice) noexcept { return parse_in(carve_mode_names, name, choice); }
bool parse_choice(std::string_view name, PrefilterMode& choice) noexcept { return parse_in(prefilter_names, name, choice); }
bool parse_choice(std::string_view name, FileSystemMode& choice) noexcept { return parse_in(filesystem_names, name, choice); }
bool parse_choice(std::string_view name, CarveVerdict& choice) noexcept { return parse_in(verdict_names, name, choice); }
std::string choice_names(BackendKind) { return names_of(backend_names); }
std::string choice_names(CarveMode) { return names_of(carve_mode_names); }
std::string choice_names(PrefilterMode) { return names_of(prefilter_names); }
std::string choice_names(FileSystemMode) { return names_of(filesystem_names); }
std::string choice_names(CarveVerdict) { return names_of(verdict_names); }

}  // namespace trawl
