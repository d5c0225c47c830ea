// Forensic paths (host/core/forensic_path.hpp): the one builder and the one parser agree, compose
// left to right (member, offset, one -KIND-N step per decoding), and refuse what is not a path.
#include <gtest/gtest.h>

#include "host/core/forensic_path.hpp"

namespace trawl {
namespace {

TEST(ForensicPath, TextAndParseAreInverses) {
  const std::vector<ForensicPath> paths{
      {"", 0, {}},
      {"", 1048576, {}},
      {"", 1048576, {{"GZIP", 300}}},
      {"", 7, {{"ZIP", 0}, {"ZLIB", 12}, {"GZIP", 99}}},
      {"data/msgstore.db", 4096, {{"BPLIST", 12}}},
      {"private/var/mobile/Library/SMS/sms-2024:old.db", 0, {}},  // ':' and '-' inside the member
  };
  for (const auto& p : paths) {
    const auto back = parse_forensic_path(p.text());
    ASSERT_TRUE(back) << p.text();
    EXPECT_EQ(*back, p) << p.text();
  }
  EXPECT_EQ(paths[2].text(), "1048576-GZIP-300");
  EXPECT_EQ(paths[4].text(), "data/msgstore.db:4096-BPLIST-12");
}

TEST(ForensicPath, ContainerAndPositionSplitTheLastOffsetOff) {
  const auto nested = *parse_forensic_path("7-ZIP-0-ZLIB-12");
  EXPECT_EQ(nested.container(), "7-ZIP-0-ZLIB");
  EXPECT_EQ(nested.position(), 12u);
  const auto image = *parse_forensic_path("4096");
  EXPECT_EQ(image.container(), "");
  EXPECT_EQ(image.position(), 4096u);
  const auto member = *parse_forensic_path("a.db:4096");
  EXPECT_EQ(member.container(), "a.db:");
  EXPECT_EQ(member.position(), 4096u);
  // forensic_path() puts a position back into its container, for each kind of container.
  for (const char* text : {"7-ZIP-0-ZLIB-12", "4096", "a.db:4096", "a.db:4096-GZIP-3"}) {
    const auto p = *parse_forensic_path(text);
    EXPECT_EQ(forensic_path(p.container(), p.position()), text);
  }
}

TEST(ForensicPath, DecodingsComposeLeftToRight) {
  const std::string outer = decoded_container("", 1048576, "GZIP");  // a stream in the image
  EXPECT_EQ(outer, "1048576-GZIP");
  const std::string inner = decoded_container(outer, 300, "ZIP");  // a stream inside it
  EXPECT_EQ(forensic_path(inner, 12), "1048576-GZIP-300-ZIP-12");
  EXPECT_EQ(forensic_path(decoded_container("data/msgstore.db:", 4096, "BPLIST"), 12), "data/msgstore.db:4096-BPLIST-12");
}

TEST(ForensicPath, WhatIsNotAPathIsRefused) {
  for (const char* text : {"", "-", "12-", "12-GZIP", "12-GZIP-", "12-gzip-3", "12-3-4", "x", "12x", ":12", "a.db:", "a.db:x",
                           "12-GZIP-3-", "12--3", "-12", "12-GZIP-+3", "99999999999999999999999"})
    EXPECT_FALSE(parse_forensic_path(text)) << text;
}

}  // namespace
}  // namespace trawl
