// The sysfs and procfs readers behind the GPU description of `trawl bench`, on fake trees: the
// real files exist only on a GPU machine.
#include <gtest/gtest.h>

#include <fstream>
#include <span>  // before test_support.hpp, which uses std::span without including it

#include "host/backend/device_info.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

void write_text(const test::fs::path& path, const std::string& text) {
  test::fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(PcieLink, GenerationFromEverySysfsSpeed) {
  EXPECT_EQ(detail::pcie_generation("2.5 GT/s PCIe"), 1);
  EXPECT_EQ(detail::pcie_generation("5.0 GT/s PCIe"), 2);
  EXPECT_EQ(detail::pcie_generation("8.0 GT/s PCIe"), 3);
  EXPECT_EQ(detail::pcie_generation("16.0 GT/s PCIe"), 4);
  EXPECT_EQ(detail::pcie_generation("32.0 GT/s PCIe"), 5);
  EXPECT_EQ(detail::pcie_generation("64.0 GT/s PCIe"), 6);
  EXPECT_EQ(detail::pcie_generation("32 GT/s"), 5);  // older kernels print no decimals
  EXPECT_EQ(detail::pcie_generation("Unknown"), 0);
  EXPECT_EQ(detail::pcie_generation(""), 0);
}

TEST(PcieLink, BusIdsAreNormalisedToSysfsNames) {
  EXPECT_EQ(detail::sysfs_bus_id("0000:3B:00.0"), "0000:3b:00.0");
  EXPECT_EQ(detail::sysfs_bus_id("00000000:3B:00.0"), "0000:3b:00.0");  // nvidia-smi's 8-digit domain
  EXPECT_EQ(detail::sysfs_bus_id("00010000:01:00.0"), "00010000:01:00.0");  // a domain that needs the digits
}

TEST(PcieLink, ReadsCurrentAndMaximumLink) {
  test::TempDir sys;
  const auto dir = sys.path() / "0000:3b:00.0";
  write_text(dir / "current_link_speed", "32.0 GT/s PCIe\n");
  write_text(dir / "current_link_width", "16\n");
  write_text(dir / "max_link_speed", "32.0 GT/s PCIe\n");
  write_text(dir / "max_link_width", "16\n");
  const auto link = detail::read_pcie_link("00000000:3B:00.0", sys.path());
  EXPECT_EQ(link.current_speed, "32.0 GT/s PCIe");
  EXPECT_EQ(link.current_width, 16);
  EXPECT_EQ(link.current_generation, 5);
  EXPECT_EQ(link.max_generation, 5);
  EXPECT_EQ(link.max_width, 16);
}

TEST(PcieLink, MissingOrUnknownFilesGiveEmptyFields) {
  test::TempDir sys;
  write_text(sys.path() / "0000:01:00.0" / "current_link_width", "Unknown\n");
  const auto link = detail::read_pcie_link("0000:01:00.0", sys.path());
  EXPECT_EQ(link.current_speed, "");
  EXPECT_EQ(link.current_width, 0);
  EXPECT_EQ(link.current_generation, 0);
  EXPECT_EQ(detail::read_pcie_link("0000:02:00.0", sys.path()).max_width, 0);
}

TEST(PcieLink, NvidiaDriverVersionFromProc) {
  test::TempDir dir;
  write_text(dir / "version",
             "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Thu Oct 30 10:00:00 UTC 2025\n"
             "GCC version:  gcc version 12.2.0\n");
  EXPECT_EQ(detail::nvidia_driver_version(dir / "version"), "580.159.04");
  EXPECT_EQ(detail::nvidia_driver_version(dir / "missing"), "");
}

}  // namespace
}  // namespace trawl
