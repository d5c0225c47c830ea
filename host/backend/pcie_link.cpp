// Plain file reads behind DeviceInfo (see device_info.hpp); in every build, so that their parsing
// is tested on machines without a GPU.
#include <cctype>
#include <fstream>
#include <sstream>

#include "host/backend/device_info.hpp"

namespace trawl::detail {
namespace {

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

int to_int(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoi(text);
  } catch (const std::exception&) {
    return 0;  // "Unknown" and the like
  }
}

}  // namespace

int pcie_generation(std::string_view speed) {
  // Longest prefixes first: "16.0" must not be read as "1...".
  static constexpr std::pair<std::string_view, int> table[] = {
      {"2.5 GT/s", 1}, {"5.0 GT/s", 2}, {"5 GT/s", 2}, {"8.0 GT/s", 3}, {"8 GT/s", 3},
      {"16.0 GT/s", 4}, {"16 GT/s", 4}, {"32.0 GT/s", 5}, {"32 GT/s", 5}, {"64.0 GT/s", 6}, {"64 GT/s", 6}};
  for (const auto& [prefix, generation] : table)
    if (speed.substr(0, prefix.size()) == prefix) return generation;
  return 0;
}

std::string sysfs_bus_id(std::string_view bus_id) {
  std::string id;
  for (char c : bus_id) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // CUDA and nvidia-smi may print an 8-digit domain; sysfs names use 4 digits.
  const auto colon = id.find(':');
  if (colon != std::string::npos && colon > 4 && id.find_first_not_of('0') >= colon - 4) id.erase(0, colon - 4);
  return id;
}

PcieLink read_pcie_link(std::string_view bus_id, const std::filesystem::path& devices) {
  const auto dir = devices / sysfs_bus_id(bus_id);
  PcieLink link;
  link.current_speed = first_line(dir / "current_link_speed");
  link.current_width = to_int(first_line(dir / "current_link_width"));
  link.max_speed = first_line(dir / "max_link_speed");
  link.max_width = to_int(first_line(dir / "max_link_width"));
  link.current_generation = pcie_generation(link.current_speed);
  link.max_generation = pcie_generation(link.max_speed);
  return link;
}

std::string nvidia_driver_version(const std::filesystem::path& file) {
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Thu Oct 30 ... 2025"
  std::istringstream words(first_line(file));
  std::string word, previous;
  while (words >> word) {
    if (previous == "Module") return word;
    previous = word;
  }
  return "";
}

}  // namespace trawl::detail
