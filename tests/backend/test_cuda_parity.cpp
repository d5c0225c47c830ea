// The CUDA backend against the CPU backend, byte for byte (label "gpu": ctest -L gpu). Every test
// skips with make_cuda_backend's reason where no usable device is present, so a CUDA build passes
// its suite on a machine without a GPU and says why these did not run.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "host/backend/backend.hpp"
#include "host/backend/cuda/cuda_backend.hpp"
#include "host/backend/signature_search.hpp"
#include "host/known/block_db.hpp"
#include "kernels/identifier_prefilter.hpp"
#include "kernels/launch.hpp"
#include "support/backend_named.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

using detail::BlockDigestRequest;
using detail::HashAlgorithm;

constexpr HashAlgorithm kBlockAlgorithms[] = {HashAlgorithm::md5, HashAlgorithm::sha1, HashAlgorithm::sha256,
                                              HashAlgorithm::xxh64};

// Digests of every block algorithm for one page, in kBlockAlgorithms order, from one call (as the
// block stage makes it). Outputs are poisoned first: a digest the backend did not write shows.
std::vector<std::vector<std::byte>> all_digests(detail::Backend& backend, std::span<const std::byte> page,
                                                std::uint32_t block_size, std::byte poison) {
  const std::size_t blocks = (page.size() + block_size - 1) / block_size;
  std::vector<std::vector<std::byte>> out;
  std::vector<BlockDigestRequest> requests;
  for (auto algorithm : kBlockAlgorithms) out.emplace_back(blocks * detail::info(algorithm).digest_size, poison);
  for (std::size_t i = 0; i < out.size(); ++i) requests.push_back({kBlockAlgorithms[i], out[i]});
  backend.hash_blocks(page, block_size, requests);
  return out;
}

class CudaParity : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    cuda_ = detail::make_cuda_backend(why);
    if (!cuda_) GTEST_SKIP() << why;
  }
  std::unique_ptr<detail::Backend> cuda_;
  std::unique_ptr<detail::Backend> cpu_ = detail::make_cpu_backend(2);
};

TEST_F(CudaParity, BackendDescribesItself) {
  EXPECT_EQ(cuda_->name(), "cuda");
  EXPECT_GE(cuda_->workers(), 2u);
}

// Many pages at once from more threads than there are lanes, so that lanes are contended, copies
// of one page overlap kernels of another, and a lane is reused for pages of different sizes.
TEST_F(CudaParity, EveryAlgorithmEqualsTheCpuOnRandomPagesFromSeveralThreads) {
  struct Case {
    std::uint32_t block_size;
    std::size_t size;
    bool pinned;  // from allocate_host, as the reader's chunks; else ordinary (pageable) memory
  };
  std::vector<Case> cases;
  for (std::uint32_t block_size : {512u, 4096u})
    for (std::size_t size : {std::size_t{1}, std::size_t{511}, std::size_t{4095}, std::size_t{4097}, std::size_t{65536},
                             std::size_t{(1 << 20) + 100}, std::size_t{(16 << 20)}, std::size_t{(16 << 20) + 4096 + 3}})
      for (bool pinned : {true, false}) cases.push_back({block_size, size, pinned});

  std::vector<std::vector<std::byte>> pageable(cases.size());
  std::vector<detail::HostBuffer> pinned(cases.size());
  std::vector<std::span<const std::byte>> pages(cases.size());
  std::vector<std::vector<std::vector<std::byte>>> expected(cases.size()), actual(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto bytes = test::random_bytes(cases[i].size, 1000 + i);
    if (cases[i].pinned) {
      pinned[i] = cuda_->allocate_host(bytes.size());
      std::memcpy(pinned[i].get(), bytes.data(), bytes.size());
      pages[i] = {pinned[i].get(), bytes.size()};
    } else {
      pageable[i] = std::move(bytes);
      pages[i] = pageable[i];
    }
    expected[i] = all_digests(*cpu_, pages[i], cases[i].block_size, std::byte{0x00});
  }

  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (unsigned t = 0; t < cuda_->workers() + 2; ++t)
    threads.emplace_back([&] {
      try {
        for (std::size_t i; (i = next++) < cases.size();)
          actual[i] = all_digests(*cuda_, pages[i], cases[i].block_size, std::byte{0xA5});
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  for (std::size_t i = 0; i < cases.size(); ++i)
    for (std::size_t a = 0; a < std::size(kBlockAlgorithms); ++a)
      EXPECT_TRUE(actual[i][a] == expected[i][a])
          << detail::info(kBlockAlgorithms[a]).name << ", page of " << cases[i].size << " bytes ("
          << (cases[i].pinned ? "pinned" : "pageable") << "), blocks of " << cases[i].block_size;
}

TEST_F(CudaParity, EachAlgorithmAloneAndTheEmptyPage) {
  const auto page = test::random_bytes((256 << 10) + 17, 77);
  for (auto algorithm : kBlockAlgorithms) {
    const std::size_t bytes = ((page.size() + 4095) / 4096) * detail::info(algorithm).digest_size;
    std::vector<std::byte> cpu(bytes), cuda(bytes, std::byte{0xA5});
    const BlockDigestRequest cpu_request{algorithm, cpu}, cuda_request{algorithm, cuda};
    cpu_->hash_blocks(page, 4096, {&cpu_request, 1});
    cuda_->hash_blocks(page, 4096, {&cuda_request, 1});
    EXPECT_TRUE(cpu == cuda) << detail::info(algorithm).name;
  }
  // No block: nothing is written and nothing fails.
  std::vector<std::byte> none;
  const BlockDigestRequest empty{HashAlgorithm::sha256, none};
  EXPECT_NO_THROW(cuda_->hash_blocks({}, 4096, {&empty, 1}));
}

TEST_F(CudaParity, TooSmallAnOutputIsAnInternalError) {
  const auto page = test::random_bytes(8192, 5);
  std::vector<std::byte> out(32);  // room for one SHA-256 digest, two are needed
  const BlockDigestRequest request{HashAlgorithm::sha256, out};
  try {
    cuda_->hash_blocks(page, 4096, {&request, 1});
    FAIL() << "expected Error(internal)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
}

TEST_F(CudaParity, AnImageOnlyAlgorithmIsAnInternalError) {
  const auto page = test::random_bytes(4096, 6);
  std::vector<std::byte> out(64);
  const BlockDigestRequest request{HashAlgorithm::sha512, out};
  try {
    cuda_->hash_blocks(page, 4096, {&request, 1});
    FAIL() << "expected Error(internal)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
    EXPECT_NE(std::string(e.what()).find("sha512"), std::string::npos) << e.what();
  }
}

std::string file_bytes(const test::fs::path& path) { return test::read_text(path); }

// A whole pass on `backend` into dir/backend, with small pages so that many chunks are in flight.
ScanOptions pass_options(const std::string& backend, const test::fs::path& dir, std::size_t margin) {
  ScanOptions o;
  o.backend = test::backend_named(backend);
  o.page_size = 256 << 10;
  o.margin = margin;
  o.buffers = 8;
  o.output = dir / backend;
  return o;
}

// A whole pass on each backend, with small pages so that many chunks are in flight at once.
TEST_F(CudaParity, ScanWithCudaWritesTheSameBlockFilesAsWithCpu) {
  test::TempDir dir;
  test::MemorySource source(test::random_bytes((5 << 20) + 123, 2024));
  std::map<std::string, ScanReport> reports;
  for (const std::string backend : {"cpu", "cuda"}) {
    ScanOptions o = pass_options(backend, dir.path(), 16 << 10);
    o.image_hashes = {"md5", "sha256"};
    o.block_hashes = {"md5", "sha1", "sha256", "xxh64"};
    reports[backend] = scan(source, o);
  }
  EXPECT_EQ(reports["cuda"].backend, BackendKind::cuda);
  EXPECT_EQ(reports["cpu"].backend, BackendKind::cpu);
  ASSERT_EQ(reports["cuda"].image_hashes.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(reports["cuda"].image_hashes[i].hex, reports["cpu"].image_hashes[i].hex);
  for (const char* algorithm : {"md5", "sha1", "sha256", "xxh64"}) {
    const std::string name = std::string("blocks.") + algorithm;
    const auto cpu = file_bytes(dir / "cpu" / name), cuda = file_bytes(dir / "cuda" / name);
    EXPECT_GT(cpu.size(), 64u) << name;
    EXPECT_TRUE(cpu == cuda) << name << " differs between the backends";
  }
}

// ---- The large image (TRAWL_GPU_BIG_TEST=1): 4 GiB + a partial block, streamed, never stored.

// Bytes that are a pure function of their offset, so that any chunking reads the same image:
// 64 MiB regions cycle through random data, zeros (a sparse stretch), random again, and one
// 4 KiB random block repeated (identical block digests, as in duplicated files).
class GeneratedImageSource final : public Source {
 public:
  explicit GeneratedImageSource(std::uint64_t size) : size_(size) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override {
    Read r;
    r.bytes = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), offset < size_ ? size_ - offset : 0));
    for (std::size_t i = 0; i < r.bytes;) {
      const std::uint64_t at = offset + i;
      if ((at & 7) == 0 && r.bytes - i >= 8) {
        const std::uint64_t word = word_at(at);
        std::memcpy(buffer.data() + i, &word, 8);
        i += 8;
      } else {
        buffer[i] = static_cast<std::byte>(word_at(at & ~std::uint64_t{7}) >> (8 * (at & 7)));
        ++i;
      }
    }
    return r;
  }
  std::optional<std::uint64_t> size() const override { return size_; }
  bool random_access() const override { return true; }
  std::string_view kind() const override { return "raw"; }
  std::vector<std::string> paths() const override { return {"generated-4GiB"}; }

 private:
  static std::uint64_t mix(std::uint64_t z) {  // splitmix64's finaliser
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static std::uint64_t word_at(std::uint64_t aligned_offset) {  // little-endian word at a multiple of 8
    switch ((aligned_offset >> 26) & 3) {
      case 1: return 0;
      case 3: return mix((aligned_offset & 4095) >> 3);
      default: return mix(aligned_offset >> 3);
    }
  }
  std::uint64_t size_;
};

bool same_files(const test::fs::path& a, const test::fs::path& b, std::string& where) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::vector<char> ba(1 << 20), bb(1 << 20);
  for (std::uint64_t offset = 0;; offset += ba.size()) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    if (fa.gcount() != fb.gcount() || std::memcmp(ba.data(), bb.data(), static_cast<std::size_t>(fa.gcount())) != 0) {
      where = "in the 1 MiB at offset " + std::to_string(offset);
      return false;
    }
    if (fa.gcount() == 0) return true;
  }
}

TEST_F(CudaParity, BigGeneratedImageGivesIdenticalBlockFilesOnBothBackends) {
  const char* big = std::getenv("TRAWL_GPU_BIG_TEST");
  if (!big || std::string(big) != "1") GTEST_SKIP() << "set TRAWL_GPU_BIG_TEST=1 to scan a generated 4 GiB image on both backends";
  test::TempDir dir;
  const GeneratedImageSource source((std::uint64_t{4} << 30) + 4096 + 1000);
  std::map<std::string, ScanReport> reports;
  for (const std::string backend : {"cuda", "cpu"}) {
    ScanOptions o;  // default page, margin and ring: as `trawl scan` runs
    o.backend = test::backend_named(backend);
    o.image_hashes = {"xxh128"};  // fast: the point here is the block files
    o.block_hashes = {"md5", "sha1", "sha256", "xxh64"};
    o.output = dir / backend;
    reports[backend] = scan(source, o);
    std::cout << "[ " << backend << "     ] " << reports[backend].image_size << " bytes in " << reports[backend].wall_seconds
              << " s\n";
  }
  EXPECT_EQ(reports["cuda"].backend, BackendKind::cuda);
  EXPECT_EQ(reports["cuda"].image_size, *source.size());
  EXPECT_EQ(reports["cuda"].image_hashes.at(0).hex, reports["cpu"].image_hashes.at(0).hex);
  for (const char* algorithm : {"md5", "sha1", "sha256", "xxh64"}) {
    const std::string name = std::string("blocks.") + algorithm;
    std::string where;
    EXPECT_TRUE(same_files(dir / "cpu" / name, dir / "cuda" / name, where)) << name << " differs " << where;
  }
}

}  // namespace
}  // namespace trawl

namespace trawl {
namespace {

// The signature-search kernel on the device reports the CPU's (Hyperscan) hits.
TEST_F(CudaParity, SignatureSearchEqualsTheCpu) {
  using Entry = detail::SignatureSet::Entry;
  const std::vector<Entry> entries{{1, std::string_view("\xFF\xD8\xFF", 3), {}, 0},
                                   {2, std::string_view("\x89PNG\r\n\x1A\n", 8), {}, 0},
                                   {3, std::string_view("PK\x03\x04", 4), {}, 0},
                                   {4, std::string_view("ftyp", 4), {}, 4},
                                   {5, std::string_view("\xFF\xFB", 2), {}, 0, 512}};
  detail::SignatureSet set(entries);
  auto data = test::random_bytes((4 << 20) + 100, 31);
  for (std::size_t at = 1000; at + 16 < data.size(); at += 65537) std::memcpy(data.data() + at, "\x89PNG\r\n\x1A\n", 8);
  for (std::size_t at = 4096; at + 16 < data.size(); at += 131072) std::memcpy(data.data() + at, "PK\x03\x04", 4);
  for (std::size_t at = 512; at + 16 < data.size(); at += 9 * 512 + 100) std::memcpy(data.data() + at, "\xFF\xFB", 2);
  // Image offsets past 4 GiB and 5 GiB, aligned and not: the kernel's 64-bit offset arithmetic.
  for (std::uint64_t base : {std::uint64_t{1} << 30, (std::uint64_t{4} << 30) + 1536, (std::uint64_t{5} << 30) + 100})
    for (std::uint32_t align : {1u, 512u}) {
      detail::SignatureQuery query{data, 4 << 20, base, align};
      const auto hits = set.find_cpu(query);
      if (align == 1) EXPECT_GT(hits.size(), 100u);
      EXPECT_EQ(cuda_->find_signatures(set, query), hits) << "base " << base << " align " << align;
    }
}

// Known-block lookup on the device answers what the CPU backend answers: random pages with known
// blocks planted at sector offsets, a table of them and of decoys, steps 512 and 4096, several
// calls at once (the table is uploaded once and shared by the lanes).
TEST_F(CudaParity, KnownBlockLookupEqualsTheCpu) {
  for (auto algorithm : {HashAlgorithm::md5, HashAlgorithm::sha256}) {
    const std::uint32_t block_size = 4096;
    auto data = test::random_bytes((4 << 20) + 4096, 33);
    std::vector<std::vector<unsigned char>> digests;
    auto cpu_digest = [&](std::span<const std::byte> block) {
      std::vector<std::byte> out(detail::info(algorithm).digest_size);
      const detail::BlockDigestRequest request{algorithm, out};
      cpu_->hash_blocks(block, block_size, std::span(&request, 1));
      std::vector<unsigned char> d(out.size());
      std::memcpy(d.data(), out.data(), out.size());
      return d;
    };
    std::vector<std::size_t> planted;
    for (std::size_t at = 1536; at + block_size <= data.size(); at += 200 * 512 + 512) {
      planted.push_back(at);
      digests.push_back(cpu_digest(std::span(data).subspan(at, block_size)));
    }
    for (int i = 0; i < 5000; ++i) digests.push_back(cpu_digest(test::random_bytes(block_size, 9000 + i)));
    std::sort(digests.begin(), digests.end());
    digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
    std::vector<std::byte> table_bytes;
    for (const auto& d : digests)
      for (auto b : d) table_bytes.push_back(static_cast<std::byte>(b));
    const detail::KnownBlockTable table{algorithm, block_size, table_bytes};
    for (std::uint32_t step : {512u, 4096u}) {
      const std::size_t page_len = 4 << 20, n = page_len / step;
      std::vector<std::uint32_t> device(n, 7), host(n, 7);
      std::vector<std::thread> threads;
      std::vector<std::vector<std::uint32_t>> more(3, std::vector<std::uint32_t>(n, 7));
      for (auto& m : more) threads.emplace_back([&] { cuda_->lookup_known_blocks(table, data, page_len, step, m); });
      cuda_->lookup_known_blocks(table, data, page_len, step, device);
      for (auto& t : threads) t.join();
      cpu_->lookup_known_blocks(table, data, page_len, step, host);
      EXPECT_EQ(device, host) << detail::info(algorithm).name << " step " << step;
      for (const auto& m : more) EXPECT_EQ(m, host);
      // Every planted block on the step's grid is found (at step 4096 that is every 8th: 5 of 41).
      const auto on_grid = std::count_if(planted.begin(), planted.end(), [&](std::size_t at) { return at % step == 0 && at < page_len; });
      EXPECT_GE(on_grid, step == 512 ? 40 : 5);
      EXPECT_GE(std::count_if(host.begin(), host.end(), [](std::uint32_t v) { return v != detail::known_no_match; }), on_grid);
      for (const std::size_t at : planted)
        if (at % step == 0 && at < page_len) EXPECT_NE(host[at / step], detail::known_no_match) << "planted block at " << at;
    }
  }
}

// A scan with a block database finds the same known files, runs and offsets on both backends,
// at step 512 with small pages (many chunks in flight, candidates near every page end).
TEST_F(CudaParity, KnownBlockScanEqualsTheCpu) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "known");
  auto image = test::random_bytes(8 << 20, 2025);
  for (int i = 0; i < 6; ++i) {
    const auto file = test::random_bytes((20 + 7 * i) * 4096 + 100, 300 + i);
    test::write_file(dir / "known" / ("f" + std::to_string(i) + ".bin"), file);
    // Each at a sector offset; file 5 only half present.
    const std::size_t at = std::size_t(i) * (1 << 20) + 512 * (2 * i + 1);
    std::memcpy(image.data() + at, file.data(), i == 5 ? file.size() / 2 : file.size());
  }
  detail::build_block_db({dir / "known"}, dir / "known.tdb", {});
  test::MemorySource source(image);
  std::map<std::string, ScanReport> reports;
  for (const std::string backend : {"cpu", "cuda"}) {
    ScanOptions o;
    o.backend = test::backend_named(backend);
    o.page_size = 256 << 10;
    o.margin = 16 << 10;
    o.image_hashes.clear();
    o.block_hashes.clear();
    o.identifiers.enabled = false;
    o.known.block_db = (dir / "known.tdb").string();
    o.known.block_step = 512;
    reports[backend] = scan(source, o);
  }
  const auto& cpu = reports["cpu"].known;
  const auto& cuda = reports["cuda"].known;
  ASSERT_EQ(cpu.files.size(), 6u);
  ASSERT_EQ(cuda.files.size(), cpu.files.size());
  EXPECT_EQ(cuda.block_hits, cpu.block_hits);
  for (std::size_t i = 0; i < cpu.files.size(); ++i) {
    EXPECT_EQ(cuda.files[i].file, cpu.files[i].file);
    EXPECT_EQ(cuda.files[i].blocks_found, cpu.files[i].blocks_found);
    EXPECT_EQ(cuda.files[i].offsets, cpu.files[i].offsets);
  }
  ASSERT_EQ(cuda.runs.size(), cpu.runs.size());
  for (std::size_t i = 0; i < cpu.runs.size(); ++i) {
    EXPECT_EQ(cuda.runs[i].offset, cpu.runs[i].offset);
    EXPECT_EQ(cuda.runs[i].blocks, cpu.runs[i].blocks);
  }
}

// Every stage that runs kernels (block hashes, identifier prefilter, signature search, known-block
// lookup) on the chunk's one upload: the outputs equal the CPU backend's and the emulated one's.
TEST_F(CudaParity, ScanOfEveryDeviceStageOnOneUploadEqualsTheCpu) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "known");
  auto image = test::random_bytes(6 << 20, 2026);
  const auto known = test::random_bytes(24 * 4096, 77);
  test::write_file(dir / "known" / "file.bin", known);
  detail::build_block_db({dir / "known"}, dir / "known.tdb", {});
  std::memcpy(image.data() + (3 << 20) + 1536, known.data(), known.size());
  const auto put = [&](std::size_t at, std::string_view text) { std::memcpy(image.data() + at, text.data(), text.size()); };
  for (std::size_t at = 5000; at + 100 < image.size(); at += 250007)
    put(at, " mail bob.jones@example.net or call +41 44 668 18 00 ");
  put((256 << 10) - 12, " https://www.example.com/a/b ");  // across a page boundary
  put((1 << 20) + 4096, "\x89PNG\r\n\x1a\n");
  put((2 << 20) + 512, "%PDF-1.4\n");
  test::MemorySource source(image);
  for (const std::string backend : {"cpu", "cuda", "emulated"}) {
    ScanOptions o = pass_options(backend, dir.path(), 64 << 10);
    o.block_hashes = {"md5", "sha256"};
    o.carve.types = {"all"};
    o.known.block_db = (dir / "known.tdb").string();
    o.known.block_step = 512;
    EXPECT_EQ(scan(source, o).exit_code(), ExitCode::ok) << backend;
  }
  for (const char* file : {"blocks.md5", "blocks.sha256", "features/email.txt", "features/phone.txt", "features/url.txt",
                           "carved/files.jsonl", "known/runs.jsonl", "known/files.jsonl", "hashes.txt"}) {
    const auto cpu = file_bytes(dir / "cpu" / file);
    EXPECT_FALSE(cpu.empty()) << file;
    EXPECT_TRUE(file_bytes(dir / "cuda" / file) == cpu) << file << " differs between cuda and cpu";
    EXPECT_TRUE(file_bytes(dir / "emulated" / file) == cpu) << file << " differs between emulated and cpu";
  }
}

// The identifier prefilter on the device marks what its emulated launch marks.
TEST_F(CudaParity, IdentifierPrefilterEqualsTheEmulatedLaunch) {
  auto data = test::random_bytes(8 << 20, 32);
  const std::string text = "call +33 6 12 34 56 78 or mail a@b.example, https://x.example/";
  for (std::size_t at = 777; at + text.size() < data.size(); at += 300007) std::memcpy(data.data() + at, text.data(), text.size());
  const kernels::IdentifierPrefilterItem probe{nullptr, data.size(), 4096, nullptr};
  std::vector<std::uint8_t> device(probe.windows(), 7), host(probe.windows(), 0);
  ASSERT_TRUE(cuda_->prefilter_identifiers(data, 4096, device));
  kernels::emulated_launch(probe.count(), kernels::IdentifierPrefilterItem{reinterpret_cast<const unsigned char*>(data.data()),
                                                                            data.size(), 4096, host.data()});
  EXPECT_EQ(device, host);
}

}  // namespace
}  // namespace trawl
