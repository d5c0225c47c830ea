// `trawl bench`: each stage of a pass timed on its own, on pseudo-random data generated in
// memory (no disk in the numbers), then one end-to-end scan of the same data, and optionally of a
// real image. Prints a table and writes JSON that carries the machine's description with it.
//
// What each number means (GB/s = 10^9 bytes of image data per second):
//   image.<alg>  one whole-image hash chain on one thread: sequential by nature, the ceiling of
//                any pass that asks for that hash.
//   blocks.<alg> block digests of every page on the chosen backend with all its workers; for
//                CUDA this includes the page's host-to-device copy, as in a scan.
//   blocks.all   every requested block algorithm at once (one copy per page on CUDA).
//   h2d          pinned host-to-device copy bandwidth (CUDA only): the floor of CUDA block hashing.
//   kernel.NAME  each kernel alone, data already on the device, CUDA events (CUDA only): with h2d,
//                says whether a stage is bound by the copy or by its kernel.
//   scan.memory  trawl::scan of the generated data (default hashes), reading from memory.
//   scan.image   trawl::scan of --image, from its real source.
#include "host/cli/bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "host/backend/backend.hpp"
#include "host/backend/device_info.hpp"
#include "host/cli/choice_option.hpp"
#include "host/hashing/algorithms.hpp"
#include "host/hashing/image_hasher.hpp"
#include "host/modules/carve_stage.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using detail::Backend;
using detail::HashAlgorithm;

// The scan's default page (ScanOptions::page_size): the size a real pass hands the backend per call.
constexpr std::size_t kPageSize = 16u << 20;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// `size` bytes of pseudo-random data in page-sized buffers from the backend's allocator, so the
// block stage reads what a scan's chunk ring would hand it (pinned memory for CUDA). Random, not
// zeros: zeros can hide unwritten outputs and may take faster paths than real data.
class GeneratedImage {
 public:
  GeneratedImage(Backend& backend, std::uint64_t size, std::size_t page_size) : size_(size), page_size_(page_size) {
    const std::size_t pages = static_cast<std::size_t>((size + page_size - 1) / page_size);
    for (std::size_t i = 0; i < pages; ++i) pages_.push_back(backend.allocate_host(page_size));
    // Filled on every core: at 1-2 GB/s per core, 4 GiB on one thread would take seconds.
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t)
      threads.emplace_back([&] {
        for (std::size_t p; (p = next++) < pages_.size();) fill(p);
      });
    for (auto& t : threads) t.join();
  }
  std::uint64_t size() const { return size_; }
  std::size_t pages() const { return pages_.size(); }
  // Page i; the last one is short when the page size does not divide the size.
  std::span<const std::byte> page(std::size_t i) const {
    const std::uint64_t offset = std::uint64_t{i} * page_size_;
    return {pages_[i].get(), static_cast<std::size_t>(std::min<std::uint64_t>(page_size_, size_ - offset))};
  }
  std::size_t page_size() const { return page_size_; }

 private:
  void fill(std::size_t i) {
    std::uint64_t state = 0x9E3779B97F4A7C15ull * (i + 1);  // splitmix64, seeded by the page index
    std::byte* p = pages_[i].get();
    for (std::size_t k = 0; k < page_size_; k += 8) {
      std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      std::memcpy(p + k, &z, std::min<std::size_t>(8, page_size_ - k));
    }
  }

  std::uint64_t size_;
  std::size_t page_size_;
  std::vector<detail::HostBuffer> pages_;  // pages_[i] holds bytes [i * page_size_, ...)
};

// The generated data as a trawl::Source, for the end-to-end scan.
class GeneratedSource final : public Source {
 public:
  explicit GeneratedSource(const GeneratedImage& image) : image_(image) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override {
    Read r;
    while (r.bytes < buffer.size() && offset < image_.size()) {
      const auto page = image_.page(static_cast<std::size_t>(offset / image_.page_size()));
      const std::size_t within = static_cast<std::size_t>(offset % image_.page_size());
      const std::size_t n = std::min(buffer.size() - r.bytes, page.size() - within);
      std::memcpy(buffer.data() + r.bytes, page.data() + within, n);
      r.bytes += n;
      offset += n;
    }
    return r;
  }
  std::optional<std::uint64_t> size() const override { return image_.size(); }
  bool random_access() const override { return true; }
  std::string_view kind() const override { return "raw"; }
  std::vector<std::string> paths() const override { return {"generated"}; }

 private:
  const GeneratedImage& image_;
};

struct StageResult {
  std::string name;    // key in the JSON: "image.md5", "blocks.sha256", "h2d", "scan.memory", ...
  std::string detail;  // what was measured, for a person
  double gbps = 0;     // 10^9 bytes per second
  double seconds = 0;
  std::uint64_t bytes = 0;
  unsigned threads = 0;
};

StageResult image_hash_stage(HashAlgorithm algorithm, const GeneratedImage& image) {
  auto hasher = detail::make_image_hasher(algorithm);
  const auto started = clock_type::now();
  for (std::size_t i = 0; i < image.pages(); ++i) hasher->update(image.page(i));
  (void)hasher->final_hex();
  const double seconds = seconds_since(started);
  const std::string name(detail::info(algorithm).name);
  return {"image." + name, "whole-image " + name + ", one sequential chain", image.size() / seconds / 1e9, seconds,
          image.size(), 1};
}

// Block digests of pages [0, pages) with backend.workers() threads; returns the wall time.
double run_blocks(Backend& backend, const GeneratedImage& image, std::uint32_t block_size,
                  const std::vector<HashAlgorithm>& algorithms, std::size_t pages) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr failure;  // guarded by mutex: the first worker's error
  const auto started = clock_type::now();
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < std::max(1u, backend.workers()); ++w)
    threads.emplace_back([&] {
      try {
        const std::size_t blocks = (image.page_size() + block_size - 1) / block_size;
        std::vector<std::vector<std::byte>> digests(algorithms.size());
        std::vector<detail::BlockDigestRequest> requests;
        for (std::size_t a = 0; a < algorithms.size(); ++a) {
          digests[a].resize(blocks * detail::info(algorithms[a]).digest_size);
          requests.push_back({algorithms[a], digests[a]});
        }
        for (std::size_t p; (p = next++) < pages;) backend.hash_blocks(image.page(p), block_size, requests);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        next = pages;  // the others stop at their next page
      }
    });
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return seconds_since(started);
}

StageResult block_hash_stage(Backend& backend, const GeneratedImage& image, std::uint32_t block_size,
                             const std::vector<HashAlgorithm>& algorithms) {
  // Warm-up, untimed: device buffers are allocated on a lane's first call and kernels are loaded
  // on their first launch.
  run_blocks(backend, image, block_size, algorithms, std::min<std::size_t>(image.pages(), 2 * backend.workers()));
  const double seconds = run_blocks(backend, image, block_size, algorithms, image.pages());
  std::string names;
  for (auto a : algorithms) names += (names.empty() ? "" : ",") + std::string(detail::info(a).name);
  const std::string key = algorithms.size() == 1 ? names : "all";
  const std::string where = backend.name() == "cuda" ? " incl. host-to-device copy" : "";
  return {"blocks." + key, names + " per " + std::to_string(block_size) + "-byte block on " + std::string(backend.name()) + where,
          image.size() / seconds / 1e9, seconds, image.size(), backend.workers()};
}

// A fresh folder under the temp folder for a scan's output, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "trawl-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw Error(ErrorKind::output, "bench: cannot create a folder in " + fs::temp_directory_path().string());
    path_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

StageResult scan_stage(const std::string& name, const Source& source, BackendKind backend, std::uint32_t block_size,
                       unsigned threads, const fs::path& output) {
  ScanOptions options;  // default image hashes and block hash: what `trawl scan` does by default
  options.backend = backend;
  options.block_size = block_size;
  options.threads = threads;
  options.output = output;
  const auto report = scan(source, options);
  std::string what = "trawl scan";
  for (const auto& h : options.image_hashes) what += " " + h;
  for (const auto& h : options.block_hashes) what += " + " + h + " blocks";
  what += " on " + std::string(to_string(report.backend)) + ", from " +
          (name == "scan.memory" ? std::string("memory") : report.image);
  return {name, what, report.wall_seconds > 0 ? report.image_size / report.wall_seconds / 1e9 : 0, report.wall_seconds,
          report.image_size, 0};
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "unknown";
}

std::string gib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, bytes >= (1ull << 30) ? "%.2f GiB" : "%.1f MiB",
                bytes >= (1ull << 30) ? bytes / double(1ull << 30) : bytes / double(1ull << 20));
  return text;
}

nlohmann::json gpu_json(const std::optional<detail::DeviceInfo>& gpu, const std::string& why) {
  if (!gpu) return {{"present", false}, {"reason", why}};
  return {{"present", true},
          {"name", gpu->name},
          {"compute_capability", std::to_string(gpu->compute_major) + "." + std::to_string(gpu->compute_minor)},
          {"multiprocessors", gpu->multiprocessors},
          {"memory_bytes", gpu->memory_bytes},
          {"l2_bytes", gpu->l2_bytes},
          {"driver_version", gpu->driver_version},
          {"cuda_driver_version", gpu->cuda_driver_version},
          {"cuda_runtime_version", gpu->cuda_runtime_version},
          {"pci_bus_id", gpu->pci_bus_id},
          {"pcie",
           {{"generation", gpu->pcie.current_generation},
            {"width", gpu->pcie.current_width},
            {"current_link_speed", gpu->pcie.current_speed},
            {"max_link_speed", gpu->pcie.max_speed},
            {"max_generation", gpu->pcie.max_generation},
            {"max_width", gpu->pcie.max_width}}}};
}

std::vector<HashAlgorithm> algorithm_list(const std::string& text, HashAlgorithm (*parse)(std::string_view)) {
  std::vector<HashAlgorithm> out;
  if (text == "none") return out;
  for (const auto& name : detail::split_list(text)) out.push_back(parse(name));
  return out;
}

constexpr const char* bench_notes = R"(
Stages (GB/s = 10^9 bytes of image data per second):
  image.ALG    one whole-image hash chain, one thread (sequential by nature)
  blocks.ALG   block digests of every page on the backend, all its workers (CUDA: with the copy)
  blocks.all   every block algorithm in one call per page
  h2d          pinned host-to-device copy, median of 9 (CUDA only)
  kernel.NAME  one kernel alone on up to 1 GiB already on the device, launched per page as in a
               scan (CUDA only): blocks.ALG, blocks.all, prefilter, signatures, known
  scan.memory  trawl scan of the generated data with default hashes, read from memory
  scan.image   trawl scan of --image
Examples:
  trawl bench                                   1 GiB, backend auto
  trawl bench --backend cuda --size 4G --json bench.json
  trawl bench --backend cpu --image disk.raw    also an end-to-end scan of disk.raw
)";

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  const char* env_backend = std::getenv("TRAWL_BACKEND");
  std::string backend_name = env_backend && *env_backend ? env_backend : "auto";
  std::string size_text = "1G", block_size_text = "4096", image_path, json_path;
  std::string image_hashes = "md5,sha1,sha256,sha512,xxh128", block_hashes = "md5,sha1,sha256,xxh64";
  unsigned threads = 0;
  po::options_description desc("trawl bench [options]");
  desc.add_options()
      ("help,h", "this help")
      ("backend", po::value(&backend_name), "auto, cpu or cuda (default auto, or $TRAWL_BACKEND)")
      ("size", po::value(&size_text), "bytes of random data generated in memory (default 1G)")
      ("block-size", po::value(&block_size_text), "block size, a power of two >= 512 (default 4096)")
      ("image", po::value(&image_path), "also scan this image end to end (output to a temporary folder)")
      ("json", po::value(&json_path), "write the results and the machine's description as JSON")
      ("hash", po::value(&image_hashes), "image hashes to time (default md5,sha1,sha256,sha512,xxh128; none)")
      ("block-hash", po::value(&block_hashes), "block hashes to time (default md5,sha1,sha256,xxh64; none)")
      ("threads", po::value(&threads), "CPU backend workers (default: one per core)");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc << bench_notes;
    return 0;
  }
  const std::uint64_t size = detail::parse_size(size_text, "--size");
  const std::uint64_t block_size = detail::parse_size(block_size_text, "--block-size");
  if (size == 0) throw Error(ErrorKind::options, "--size must be more than 0");
  if (block_size < 512 || (block_size & (block_size - 1)) || block_size > kPageSize)
    throw Error(ErrorKind::options, "--block-size must be a power of two from 512 to " + std::to_string(kPageSize));
  // The data is held in memory: refuse before allocating what the machine cannot hold.
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_bytes = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_bytes > 0 && size > static_cast<std::uint64_t>(pages) * page_bytes / 10 * 7)
    throw Error(ErrorKind::options, "--size " + size_text + " is more than 70% of this machine's memory (" +
                                        gib(static_cast<std::uint64_t>(pages) * page_bytes) + ")");
  const auto image_algorithms = algorithm_list(image_hashes, &detail::image_algorithm);
  const auto block_algorithms = algorithm_list(block_hashes, &detail::block_algorithm);
  std::unique_ptr<Source> real_image;
  if (!image_path.empty()) real_image = open_source(image_path);  // fail early on a bad path

  const auto backend_kind = choice_option<BackendKind>(backend_name, "--backend");
  auto [backend, notice] = detail::select_backend(backend_kind, threads);
  if (!notice.empty()) std::fprintf(stderr, "trawl: %s\n", notice.c_str());
  std::string gpu_why;
  const auto gpu = detail::cuda_device_info(&gpu_why);
  const std::string cpu = cpu_model();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  std::fprintf(stderr, "trawl bench: generating %s of random data ...\n", gib(size).c_str());
  GeneratedImage image(*backend, size, kPageSize);
  std::vector<StageResult> stages;
  const auto progress = [](const StageResult& s) {
    std::fprintf(stderr, "  %-14s %8.3f GB/s\n", s.name.c_str(), s.gbps);
  };
  for (auto a : image_algorithms) progress(stages.emplace_back(image_hash_stage(a, image)));
  for (auto a : block_algorithms)
    progress(stages.emplace_back(block_hash_stage(*backend, image, static_cast<std::uint32_t>(block_size), {a})));
  if (block_algorithms.size() > 1)
    progress(stages.emplace_back(block_hash_stage(*backend, image, static_cast<std::uint32_t>(block_size), block_algorithms)));
  if (backend->name() == "cuda") {
    const std::size_t bytes = static_cast<std::size_t>(std::min<std::uint64_t>(size, 256u << 20));
    const double gbps = detail::cuda_h2d_gbps(bytes);
    progress(stages.emplace_back(StageResult{"h2d", "host-to-device copy of " + gib(bytes) + " from pinned memory, median of 9",
                                             gbps, bytes / gbps / 1e9, bytes, 1}));
    // Each kernel alone, its data already on the device: what it would reach if the copy were free.
    CarveOptions every_format;
    every_format.types = {"all"};
    const auto carvers = detail::selected_carvers(every_format);
    const auto signatures = detail::make_signature_set(carvers);
    const std::size_t kernel_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(size, 1ull << 30));
    for (auto& k : detail::cuda_kernel_timings(kernel_bytes, kPageSize, static_cast<std::uint32_t>(block_size), signatures))
      progress(stages.emplace_back(StageResult{k.name, k.detail + "; data on the device, CUDA events, median of 5", k.gbps, k.seconds,
                                               k.bytes, 0}));
  }
  // The link speed is read after the copies: an idle GPU lowers it to save power.
  const auto gpu_after = gpu ? detail::cuda_device_info() : gpu;
  const std::string resolved(backend->name());
  // The scans run on the backend that was chosen (its name is a BackendKind's: cpu, cuda, emulated).
  const auto resolved_kind = choice_option<BackendKind>(resolved, "--backend");
  {
    ScratchDir scratch;
    GeneratedSource source(image);
    progress(stages.emplace_back(scan_stage("scan.memory", source, resolved_kind, static_cast<std::uint32_t>(block_size), threads,
                                            scratch.path() / "memory")));
    if (real_image)
      progress(stages.emplace_back(scan_stage("scan.image", *real_image, resolved_kind, static_cast<std::uint32_t>(block_size),
                                              threads, scratch.path() / "image")));
  }

  std::printf("trawl bench %s  %s of generated random data, block size %llu, backend %s (%u workers)\n",
              std::string(version()).c_str(), gib(size).c_str(), static_cast<unsigned long long>(block_size), resolved.c_str(),
              backend->workers());
  std::printf("cpu  %s, %u logical cores\n", cpu.c_str(), cores);
  if (gpu_after)
    std::printf("gpu  %s, compute %d.%d, %d SMs, driver %s (CUDA %s), PCIe gen %d x%d (max gen %d x%d)\n",
                gpu_after->name.c_str(), gpu_after->compute_major, gpu_after->compute_minor, gpu_after->multiprocessors,
                gpu_after->driver_version.empty() ? "?" : gpu_after->driver_version.c_str(),
                gpu_after->cuda_driver_version.c_str(), gpu_after->pcie.current_generation, gpu_after->pcie.current_width,
                gpu_after->pcie.max_generation, gpu_after->pcie.max_width);
  else
    std::printf("gpu  none (%s)\n", gpu_why.c_str());
  std::printf("%-14s %9s %9s %8s  %s\n", "stage", "GB/s", "seconds", "threads", "what");
  for (const auto& s : stages)
    std::printf("%-14s %9.3f %9.3f %8s  %s\n", s.name.c_str(), s.gbps, s.seconds,
                s.threads ? std::to_string(s.threads).c_str() : "-", s.detail.c_str());
  std::fflush(stdout);

  if (!json_path.empty()) {
    nlohmann::json j;
    j["tool"] = "trawl bench";
    j["trawl_version"] = std::string(version());
    j["date"] = detail::utc_now();
    j["backend"] = resolved;
    j["backend_requested"] = backend_name;
    j["backend_notice"] = notice;
    j["workers"] = backend->workers();
    j["data"] = {{"bytes", size}, {"kind", "pseudo-random, generated in memory"}, {"page_size", kPageSize},
                 {"block_size", block_size}};
    j["cpu"] = {{"model", cpu}, {"cores", cores}};
    j["gpu"] = gpu_json(gpu_after, gpu_why);
    j["image"] = image_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(image_path);
    j["units"] = "gbps = 1e9 bytes of image data per second";
    nlohmann::json& out = j["stages"] = nlohmann::json::object();
    for (const auto& s : stages)
      out[s.name] = {{"gbps", s.gbps}, {"seconds", s.seconds}, {"bytes", s.bytes}, {"threads", s.threads}, {"detail", s.detail}};
    std::ofstream file(json_path, std::ios::trunc);
    file << j.dump(2) << "\n";
    file.close();
    if (!file) throw Error(ErrorKind::output, "bench: cannot write " + detail::in_quotes(json_path));
  }
  return 0;
}

}  // namespace trawl::cli
