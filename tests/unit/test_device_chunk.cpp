// A chunk reaches the device once (design.md): the engine uploads each chunk before any stage sees
// it, and every stage's kernels read that copy. The emulated backend (--backend emulated) has the
// CUDA backend's structure on the host and counts its copies; its results equal the CPU backend's.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "host/backend/backend.hpp"
#include "host/known/block_db.hpp"
#include "support/backend_named.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"

namespace trawl {
namespace {

using test::MemorySource;
using test::TempDir;

constexpr std::size_t kPage = 256 << 10;

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put(std::vector<std::byte>& image, std::size_t at, std::string_view text) {
  std::memcpy(image.data() + at, text.data(), text.size());
}

struct Evidence {
  TempDir dir;
  std::filesystem::path db;
  std::vector<std::byte> image = test::random_bytes(3 << 20, 41);

  Evidence() {
    // A known file (16 blocks) in the image at a sector offset, and in the block database.
    const auto known = test::random_bytes(16 * 4096, 42);
    std::filesystem::create_directories(dir / "known");
    test::write_file(dir / "known" / "file.bin", known);
    db = dir / "known.tdb";
    detail::build_block_db({dir / "known"}, db, detail::BlockDbBuildOptions{});
    std::memcpy(image.data() + 700 * 1024 + 512, known.data(), known.size());
    // Identifiers, one across a page boundary; a PNG signature and a PDF header for the carvers.
    put(image, 1000, " mail alice.smith@example.org now ");
    put(image, kPage - 10, " call +41 44 668 18 00 today ");
    put(image, 2 * kPage + 5000, "\x89PNG\r\n\x1a\n");
    put(image, 5 * kPage + 77, "%PDF-1.4\n");
  }

  ScanOptions options(const std::string& backend) const {
    ScanOptions o;
    o.page_size = kPage;
    o.margin = 64 << 10;
    o.buffers = 4;
    o.backend = test::backend_named(backend);
    o.output = dir / backend;
    o.block_hashes = {"md5", "sha256"};
    o.carve.types = {"all"};
    o.known.block_db = db.string();
    o.known.block_step = 512;
    return o;
  }
};

detail::DeviceTransfers since(const detail::DeviceTransfers& before) {
  const auto now = detail::emulated_transfers();
  return {now.uploads - before.uploads, now.upload_bytes - before.upload_bytes, now.extra_copies - before.extra_copies};
}

TEST(DeviceChunk, EveryStageReadsOneUploadPerChunkAndTheResultsEqualTheCpuBackends) {
  Evidence evidence;
  MemorySource source(evidence.image);
  const auto before = detail::emulated_transfers();
  const auto emulated = scan(source, evidence.options("emulated"));
  const auto copies = since(before);
  const auto cpu = scan(source, evidence.options("cpu"));

  ASSERT_EQ(emulated.exit_code(), ExitCode::ok);
  EXPECT_EQ(emulated.backend, BackendKind::emulated);
  // Block hashes, identifier prefilter, signature search and known-block lookup all ran...
  for (const char* stage : {"blocks", "identifiers", "carve", "known"})
    EXPECT_TRUE(emulated.stage_seconds.contains(stage)) << stage;
  // ...on one copy of each chunk (lookbehind + page + margin), and nothing else was copied.
  const std::uint64_t chunks = evidence.image.size() / kPage;
  EXPECT_EQ(copies.uploads, chunks);
  EXPECT_EQ(copies.extra_copies, 0u);
  EXPECT_GE(copies.upload_bytes, evidence.image.size());
  EXPECT_LE(copies.upload_bytes, evidence.image.size() + chunks * 2 * (64 << 10));

  // The same results as the CPU backend (OpenSSL, libxxhash, Hyperscan).
  for (const char* file : {"blocks.md5", "blocks.sha256", "features/email.txt", "features/phone.txt", "carved/files.jsonl",
                           "known/runs.jsonl", "known/files.jsonl"})
    EXPECT_EQ(file_bytes(evidence.dir / "emulated" / file), file_bytes(evidence.dir / "cpu" / file)) << file;
  EXPECT_EQ(emulated.identifiers.counts, cpu.identifiers.counts);
  EXPECT_EQ(emulated.identifiers.counts.at("email"), 1u);
  EXPECT_EQ(emulated.identifiers.counts.at("phone"), 1u);
  ASSERT_EQ(emulated.known.runs.size(), 1u);
  EXPECT_EQ(emulated.known.runs[0].offset, 700u * 1024 + 512);
  EXPECT_EQ(emulated.known.runs[0].blocks, 16u);
  EXPECT_EQ(emulated.carve_tally.at("png").hits, cpu.carve_tally.at("png").hits);
  EXPECT_EQ(emulated.carve_tally.at("png").hits, 1u);
}

TEST(DeviceChunk, NothingIsUploadedWhenNoStageRunsKernels) {
  Evidence evidence;
  MemorySource source(evidence.image);
  auto options = evidence.options("emulated");
  options.block_hashes.clear();
  options.carve.types.clear();
  options.known = {};
  options.identifiers.prefilter = PrefilterMode::off;
  const auto before = detail::emulated_transfers();
  const auto report = scan(source, options);
  EXPECT_EQ(report.exit_code(), ExitCode::ok);
  EXPECT_EQ(report.image_hashes.size(), 3u);
  EXPECT_EQ(since(before).uploads, 0u);
}

TEST(DeviceChunk, BytesOutsideAnUploadedChunkAreCopiedByTheCallAndCounted) {
  auto backend = detail::make_emulated_backend(1);
  const auto page = test::random_bytes(8192, 3);
  std::vector<std::byte> digests(2 * 32);
  const detail::BlockDigestRequest request{detail::HashAlgorithm::sha256, digests};
  const auto before = detail::emulated_transfers();
  backend->hash_blocks(page, 4096, {&request, 1});
  EXPECT_EQ(since(before).extra_copies, 1u);
  EXPECT_EQ(since(before).uploads, 0u);
  // The same digests as the CPU backend.
  std::vector<std::byte> expected(2 * 32);
  const detail::BlockDigestRequest cpu_request{detail::HashAlgorithm::sha256, expected};
  detail::make_cpu_backend(1)->hash_blocks(page, 4096, {&cpu_request, 1});
  EXPECT_EQ(digests, expected);
}

}  // namespace
}  // namespace trawl
