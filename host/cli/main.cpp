// The `trawl` command: a thin client of the engine's public header (trawl/trawl.hpp) plus the
// tools that read its outputs back. Errors are one line on stderr and a documented exit code.
#include <time.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "host/cli/batch.hpp"
#include "host/cli/bench.hpp"
#include "host/cli/case_command.hpp"
#include "host/cli/choice_option.hpp"
#include "host/cli/command_line.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/evidence.hpp"
#include "host/cli/known_command.hpp"
#include "host/cli/progress.hpp"
#include "host/hashing/algorithms.hpp"
#include "host/hashing/block_digest_file.hpp"
#include "host/sinks/hash_list.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using trawl::Error;
using trawl::ErrorKind;
using trawl::ExitCode;

namespace {

constexpr const char* overview = R"(trawl — one-pass forensic triage of disk images

Usage:
  trawl scan IMAGE... -o OUTDIR [options]   hash images, carve files, search for identifiers
  trawl verify IMAGE --expect FILE          check an image against earlier hashes
  trawl verify IMAGE.E01                    check an E01 against the hashes stored in it
  trawl blocks FILE [--limit N]             print a block-digest file as text
  trawl merge PART... -o OUTDIR             join the outputs of --range runs of one image
  trawl bench [--backend cuda] [--json F]   throughput of each stage on this machine
  trawl case build|correlate ...            many scans in one case database; cross-device links
  trawl hashset import FILE... -o S.ths     NSRL / hashdeep / *sum lists into a hash-set store
  trawl hashdb build FILE|DIR... -o K.tdb   a block-hash database of known files
  trawl COMMAND --help                      options of a command
  trawl --version

IMAGE is a raw image, the first file of a split set (image.001), an Expert Witness image
(image.E01, which finds .E02, ...), a block device, or - for standard input (sequential: hashes
and identifier search; no carving and no file-system mapping, which need random access).

Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input (evidence cannot be opened),
4 output problem, 5 unreadable ranges were zero-filled, 6 verification mismatch, 130 interrupted.
)";

constexpr const char* scan_examples = R"(
Examples:
  trawl scan disk.raw -o out/                          MD5, SHA-1, SHA-256 + SHA-256 per 4 KiB block
  trawl scan phone.001 -o out/ --hash sha256,xxh128    a split image, two image hashes
  trawl scan disk.raw -o out/ --block-hash none        no per-block digests (image hashes kept)
  dd if=/dev/sdb bs=1M | trawl scan - -o out/          from a pipe
  trawl scan a.raw b.raw -o case/                      one sub-folder per image, side by side
  trawl scan --manifest devices.csv -o case/ -j 4      label,image,notes per line; four at a time
  trawl scan --manifest devices.csv -o case/ --resume  after a crash: finished images are kept
  trawl scan big.raw --range 0:1T -o part0/            one range (merge the parts: trawl merge)
  trawl scan disk.raw -o out/ --jsonl | jq .           records as JSON Lines on stdout
  trawl scan disk.raw -o out/ --carve jpeg,png,pdf     carve only these formats (default: all)
  trawl scan disk.raw -o out/ --carve none             no carving (hashing and identifier search still run)
  trawl scan phone.raw -o out/ --regions FR,BE --watchlist known.txt   national numbers as FR/BE, alerts
  trawl scan disk.raw -o out/ --known-blocks known.tdb --block-step 512   known files by their blocks, at every sector
  trawl scan disk.raw -o out/ --hashset nsrl.ths --skip-known-good        mark carved NSRL files, do not keep them
)";

// The first SIGINT/SIGTERM stops every scan of the process cleanly at the next chunk. One that
// comes two seconds or more after it kills at once (the default action); those that come sooner
// are the same request: `timeout` and a terminal send the signal to the process and to its
// process group, so it arrives twice at once (the second used to kill a scan mid-write).
const trawl::StopToken interrupted;
volatile std::sig_atomic_t first_signal_s = 0;  // CLOCK_MONOTONIC seconds + 1 at the first; 0: none

void on_signal(int signal_number) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  const auto seconds = static_cast<std::sig_atomic_t>(now.tv_sec + 1);
  if (first_signal_s == 0) {
    first_signal_s = seconds;
    interrupted.request_stop();
    return;
  }
  if (seconds - first_signal_s < 2) return;
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

std::vector<std::string> list_option(const std::string& text) {
  if (text == "none") return {};
  return trawl::detail::split_list(text);
}

// The digests an E01 stores against the computed ones; a mismatch is meant to be seen.
void print_verification(const trawl::ScanReport& r) {
  if (auto it = r.acquisition.find("case_number"); it != r.acquisition.end()) std::printf("case      %s\n", it->second.c_str());
  for (const auto& v : r.verification) {
    if (v.match)
      std::printf("verified  %s matches the hash stored in the image\n", v.algorithm.c_str());
    else
      std::printf("MISMATCH  %s: the image stores %s, its data hashes to %s\n", v.algorithm.c_str(), v.stored.c_str(),
                  v.computed.c_str());
  }
}

void print_report(const trawl::ScanReport& r, const fs::path& out) {
  std::printf("image     %s (%s, %llu bytes)\n", r.image.c_str(), r.source_kind.c_str(),
              static_cast<unsigned long long>(r.image_size));
  std::printf("backend   %s\n", std::string(trawl::to_string(r.backend)).c_str());
  std::printf("read      %llu bytes in %.2f s (%.0f MB/s)\n", static_cast<unsigned long long>(r.bytes_read),
              r.wall_seconds, r.wall_seconds > 0 ? r.image_size / r.wall_seconds / 1e6 : 0.0);
  for (const auto& d : r.image_hashes) std::printf("%-9s %s\n", d.algorithm.c_str(), d.hex.c_str());
  for (const auto& b : r.block_hashes)
    std::printf("blocks    %s: %llu blocks -> %s\n", b.algorithm.c_str(), static_cast<unsigned long long>(b.blocks),
                b.file.string().c_str());
  if (r.bad_ranges.empty()) {
    std::printf("bad       none\n");
  } else {
    std::uint64_t bytes = 0;
    for (const auto& b : r.bad_ranges) bytes += b.length;
    std::printf("bad       %zu ranges, %llu bytes unreadable (zero-filled; listed in summary.json)\n", r.bad_ranges.size(),
                static_cast<unsigned long long>(bytes));
  }
  if (r.interrupted) std::printf("status    INTERRUPTED: partial results, no image hashes\n");
  print_verification(r);
  if (!r.carve_notice.empty()) std::printf("carved    none: %s\n", r.carve_notice.c_str());
  if (!r.carve_tally.empty()) {
    std::string per_type;
    for (const auto& [type, t] : r.carve_tally)
      if (t.carved) per_type += (per_type.empty() ? "" : ", ") + type + " " + std::to_string(t.carved);
    std::printf("carved    %zu files%s%s%s\n", r.carved.size(), per_type.empty() ? "" : " (", per_type.c_str(),
                per_type.empty() ? "" : ")");
  }
  if (!r.identifiers.counts.empty()) {
    std::string per_type;
    for (const auto& [type, n] : r.identifiers.counts) per_type += (per_type.empty() ? "" : ", ") + type + " " + std::to_string(n);
    std::printf("found     %s", per_type.c_str());
    if (r.identifiers.decoded_streams) std::printf(" (%llu compressed streams searched)", static_cast<unsigned long long>(r.identifiers.decoded_streams));
    std::printf("\n");
  }
  for (const auto& fs : r.filesystems)
    std::printf("fs        %s at offset %llu (%s, %llu files)\n", fs.type.c_str(), static_cast<unsigned long long>(fs.partition_offset),
                fs.volume_system == "none" ? "no partition table" : fs.volume_system.c_str(), static_cast<unsigned long long>(fs.files));
  if (r.files_hashed) std::printf("files     %llu hashed (files/report.xml)\n", static_cast<unsigned long long>(r.files_hashed));
  if (r.identifiers.watchlist_hits)
    std::printf("ALERTS    %llu watchlist hits (alerts.txt)\n", static_cast<unsigned long long>(r.identifiers.watchlist_hits));
  if (r.known.enabled)
    std::printf("known     %zu known files found by their blocks, in %zu runs (step %u; known/files.jsonl)\n", r.known.files.size(),
                r.known.runs.size(), r.known.step);
  if (r.known.carved_known_good || r.known.carved_custom)
    std::printf("known     %llu carved files known-good%s, %llu in custom sets\n", static_cast<unsigned long long>(r.known.carved_known_good),
                r.known.carved_not_kept ? " (not kept)" : "", static_cast<unsigned long long>(r.known.carved_custom));
  if (r.known.carved_known_bad)
    std::printf("ALERTS    %llu carved files in a known-bad set (known/alerts.jsonl)\n", static_cast<unsigned long long>(r.known.carved_known_bad));
  if (!out.empty()) std::printf("output    %s\n", out.string().c_str());
  std::fflush(stdout);
}

int run_scan(const std::vector<std::string>& args) {
  trawl::ScanOptions options;
  std::vector<std::string> images;
  std::string output, hashes = "md5,sha1,sha256", block_hashes = "sha256", page = "16M", margin = "1M", block_size = "4096";
  std::string carve = "all", carve_mode = "validated", max_carve_size = "0", prefilter = "auto", filesystem = "auto";
  std::string reassemble = "on", max_gap = "1M";
  std::string find = "all", regions, decode_max = "16M";
  std::string block_step = "0";
  bool no_decode = false, no_builtin_rules = false, no_file_hashes = false;
  std::string progress = "auto";
  const char* env_backend = std::getenv("TRAWL_BACKEND");
  std::string backend = env_backend && *env_backend ? env_backend : "auto";
  bool jsonl = false, quiet = false;
  std::string manifest, range, label, notes;
  unsigned jobs = 0;
  bool resume = false;
  trawl::SourceOptions source_options;

  po::options_description desc("trawl scan IMAGE... -o OUTDIR [options]");
  desc.add_options()("help,h", "this help")("output,o", po::value(&output),
                                            "output folder (created; must be empty unless --force)")(
      "force", po::bool_switch(&options.force), "write into an output folder that is not empty")(
      "hash", po::value(&hashes), "image hashes: md5,sha1,sha256,sha512,xxh128 or none (default md5,sha1,sha256)")(
      "block-hash", po::value(&block_hashes), "block hashes: md5,sha1,sha256,xxh64 or none (default sha256)")(
      "block-size", po::value(&block_size), "block size, a power of two >= 512 (default 4096)")(
      "backend", po::value(&backend),
      "auto, cpu, cuda or emulated (the CUDA kernels on the host, for tests; default auto, or $TRAWL_BACKEND)")(
      "threads", po::value(&options.threads), "block-hash worker threads (default: one per core)")(
      "page-size", po::value(&page), "bytes each chunk owns (default 16M)")(
      "margin", po::value(&margin), "bytes past the page each chunk also holds (default 1M)")(
      "buffers", po::value(&options.buffers), "chunk buffers in the ring (default 6)")(
      "decode-threads", po::value(&source_options.decode_threads),
      "threads inflating E01 chunks (default: one per core, at most 8)")(
      "sector-size", po::value(&options.sector_size), "smallest unit retried after a read error (default 512)")(
      "jsonl", po::bool_switch(&jsonl), "stream records as JSON Lines on stdout")(
      "progress", po::value(&progress), "auto (a bar when stderr is a terminal), bar, json or none")(
      "quiet,q", po::bool_switch(&quiet), "no progress and no notices on stderr")(
      "carve", po::value(&carve),
      "formats to carve: all, none, or a list of jpeg,png,gif,bmp,tiff,riff,pdf,zip,gzip,"
      "sqlite,sqlite-wal,sqlite-journal,isobmff,7z,rar,pe,elf,ogg,mp3,amr,adts,flac,matroska,"
      "mpeg-ps (default all)")("carve-mode", po::value(&carve_mode),
                               "validated (only files whose structure checks out) or headers (foremost-like)")(
      "max-carve-size", po::value(&max_carve_size), "largest file to carve, e.g. 512M (default: each format's own limit)")(
      "carve-align", po::value(&options.carve.align), "carve only files starting at multiples of N bytes, e.g. 512 (default 1)")(
      "reassemble", po::value(&reassemble),
      "on or off: carve files split in two pieces: PNG, ZIP, GZIP, sequential JPEG, SQLite, "
      "PDF with a classic xref table (default on)")("max-gap", po::value(&max_gap),
                                                    "largest gap between the two pieces of a split file (default 1M)")(
      "find", po::value(&find),
      "identifiers to search for: all, none, or a list of phone,email,url,adid,iban,card "
      "(types of --rules files too; default all)")("rules", po::value(&options.identifiers.rule_files)->composing(),
                                                   "a rule pack to search for as well (repeatable; format: rules/README.md)")(
      "no-builtin-rules", po::bool_switch(&no_builtin_rules), "search only for the rules of --rules files")(
      "regions", po::value(&regions),
      "phone regions for national numbers, in priority order, e.g. FR,BE,CH "
      "(default: the EU, CH, NO, GB, CN, US)")("keep-invalid", po::bool_switch(&options.identifiers.keep_invalid),
                                               "also report candidates that fail validation, flagged")(
      "watchlist", po::value(&options.identifiers.watchlist), "known identifiers, one per line with a label: hits become alerts")(
      "no-decode", po::bool_switch(&no_decode), "do not inflate gzip, zlib and ZIP content to search it")(
      "decode-max", po::value(&decode_max), "decoded bytes per compressed stream (default 16M)")(
      "manifest", po::value(&manifest), "CSV of images to scan: label,image,notes per line (paths relative to it)")(
      "label", po::value(&label), "the device's label for a single image (summary.json, case database)")(
      "notes", po::value(&notes), "notes on the device for a single image")(
      "jobs,j", po::value(&jobs), "images scanned side by side (default: 2, more on machines with many cores)")(
      "resume", po::bool_switch(&resume),
      "continue a batch that was stopped or killed: finished images are kept, the others redone")(
      "range", po::value(&range),
      "scan only START:LEN of the image (START a multiple of --page-size; LEN 0 = to the end), "
      "e.g. 0:64G; merge the parts with `trawl merge`")("prefilter", po::value(&prefilter),
                                                        "auto (the GPU marks the windows to search), emulated "
                                                        "(the same kernel on the CPU, to check it) or off")(
      "known-blocks", po::value(&options.known.block_db),
      "a block-hash database (trawl hashdb build): report known files found by their blocks")(
      "block-step", po::value(&block_step), "look up a block at every N bytes, e.g. 512 (default: the database's block size)")(
      "hashset", po::value(&options.known.hash_sets)->composing(),
      "a hash-set store (trawl hashset import) to match carved files against (repeatable)")(
      "skip-known-good", po::bool_switch(&options.known.skip_known_good), "do not keep carved files that a known-good set holds")(
      "fs", po::value(&filesystem),
      "file-system context through The Sleuth Kit: auto (map the partitions "
      "and file systems found, attribute findings to files) or off (default auto)")(
      "no-file-hashes", po::bool_switch(&no_file_hashes), "do not hash the file systems' files (files/report.xml)")(
      "carve-unallocated-only", po::bool_switch(&options.carve.unallocated_only),
      "carve only from bytes that no allocated file holds (needs --fs auto)");
  const auto vm = trawl::cli::parse_command_line(args, desc, "image", -1, &images);
  if (vm.count("help")) {
    std::cout << desc << scan_examples;
    return 0;
  }
  if (images.empty() && manifest.empty()) throw Error(ErrorKind::options, "scan: no IMAGE given (see trawl scan --help)");
  if (output.empty()) throw Error(ErrorKind::options, "scan: no output folder given (-o OUTDIR)");
  if (std::count(images.begin(), images.end(), "-") > 1) throw Error(ErrorKind::options, "scan: stdin (-) can be read only once");
  options.image_hashes = list_option(hashes);
  options.block_hashes = list_option(block_hashes);
  options.block_size = static_cast<std::uint32_t>(trawl::detail::parse_size(block_size, "--block-size"));
  options.page_size = trawl::detail::parse_size(page, "--page-size");
  options.margin = trawl::detail::parse_size(margin, "--margin");
  options.backend = trawl::cli::choice_option<trawl::BackendKind>(backend, "--backend");
  options.carve.types = list_option(carve);
  options.carve.mode = trawl::cli::choice_option<trawl::CarveMode>(carve_mode, "--carve-mode");
  options.carve.max_size = trawl::detail::parse_size(max_carve_size, "--max-carve-size");
  if (reassemble != "on" && reassemble != "off") throw Error(ErrorKind::options, "--reassemble must be on or off");
  options.carve.reassemble = reassemble == "on";
  options.carve.max_gap = trawl::detail::parse_size(max_gap, "--max-gap");
  options.identifiers.enabled = find != "none";
  if (find != "all" && find != "none") options.identifiers.types = list_option(find);
  options.identifiers.builtin_rules = !no_builtin_rules;
  options.identifiers.regions = list_option(regions);
  options.identifiers.decode = !no_decode;
  options.identifiers.prefilter = trawl::cli::choice_option<trawl::PrefilterMode>(prefilter, "--prefilter");
  options.filesystem.mode = trawl::cli::choice_option<trawl::FileSystemMode>(filesystem, "--fs");
  options.identifiers.decode_max = trawl::detail::parse_size(decode_max, "--decode-max");
  options.known.block_step = static_cast<std::uint32_t>(trawl::detail::parse_size(block_step, "--block-step"));
  options.filesystem.hash_files = !no_file_hashes;
  if (quiet) progress = "none";
  if (progress == "auto") progress = ::isatty(STDERR_FILENO) ? "bar" : "none";
  if (progress != "bar" && progress != "json" && progress != "none")
    throw Error(ErrorKind::options, "--progress must be auto, bar, json or none");

  // The images: from the command line and the manifest. Several: one folder each under OUTDIR,
  // which itself must be new or empty (unless --force or --resume).
  std::vector<trawl::cli::BatchImage> batch;
  for (const auto& image : images) batch.push_back({image, {}, {}, {}});
  if (!manifest.empty())
    for (auto& entry : trawl::cli::read_manifest(manifest)) batch.push_back(std::move(entry));
  const bool single = batch.size() == 1 && manifest.empty();
  if ((!label.empty() || !notes.empty()) && !single)
    throw Error(ErrorKind::options, "--label and --notes name one image; for several, use a --manifest");
  if (single) {
    batch.front().label = label;
    batch.front().notes = notes;
  }
  trawl::cli::assign_folders(batch, output, single);
  if (!single && !options.force && !resume) {
    std::error_code ec;
    if (fs::exists(output, ec) && !fs::is_empty(output, ec))
      throw Error(ErrorKind::output,
                  "output folder '" + output + "' is not empty (use --force to write into it, --resume to continue)");
  }
  trawl::ByteRange scan_range;
  if (!range.empty()) {
    auto colon = range.find(':');
    if (colon == std::string::npos) throw Error(ErrorKind::options, "--range must be START:LEN, e.g. 0:64G");
    scan_range.offset = trawl::detail::parse_size(range.substr(0, colon), "--range START");
    scan_range.length = trawl::detail::parse_size(range.substr(colon + 1), "--range LEN");
  }

  trawl::cli::BatchSettings settings;
  settings.stop = interrupted;
  settings.output = output;
  settings.jobs = jobs ? jobs : trawl::cli::default_jobs(batch.size());
  settings.progress = progress;
  settings.jsonl = jsonl;
  settings.quiet = quiet;
  settings.resume = resume;
  settings.range = scan_range;
  settings.source = source_options;
  if (resume && single) options.force = true;  // the folder holds the first attempt's outputs
  trawl::Engine engine(options);
  return trawl::cli::run_batch(engine, batch, settings, print_report);
}

int run_verify(const std::vector<std::string>& args) {
  std::string image, expect;
  bool quiet = false;
  po::options_description desc("trawl verify IMAGE [--expect FILE]");
  desc.add_options()
      ("help,h", "this help")
      ("expect,e", po::value(&expect), "hashes.txt or summary.json of an earlier scan, or *sum/--tag lines "
                                        "(default for E01: the hashes stored in the image)")
      ("quiet,q", po::bool_switch(&quiet), "print nothing; the exit code tells (0 match, 6 mismatch)");
  const auto vm = trawl::cli::parse_command_line(args, desc, "image", 1, &image);
  if (vm.count("help")) {
    std::cout << desc << "\nExamples:\n  trawl verify disk.raw --expect out/hashes.txt\n  trawl verify disk.E01\n";
    return 0;
  }
  if (image.empty())
    throw Error(ErrorKind::options, "verify: need IMAGE, and --expect FILE unless the image stores its hashes (E01)");
  std::vector<trawl::ImageDigest> expected;
  if (!expect.empty()) expected = trawl::detail::read_expected_hashes(expect);
  auto source = trawl::cli::open_evidence(image);
  // Without --expect, an image that stores its own digests (E01) is checked against them.
  if (expect.empty()) {
    for (const auto& [algorithm, hex] : source->stored_hashes()) expected.push_back({algorithm, hex});
    if (expected.empty()) throw Error(ErrorKind::options, "verify: " + image + " stores no hashes; give --expect FILE");
  }
  trawl::ScanOptions options;
  options.block_hashes.clear();
  options.image_hashes.clear();
  for (const auto& e : expected)
    if (std::find(options.image_hashes.begin(), options.image_hashes.end(), e.algorithm) == options.image_hashes.end())
      options.image_hashes.push_back(e.algorithm);
  trawl::cli::CliObserver observer(quiet ? "none" : (::isatty(STDERR_FILENO) ? "bar" : "none"), false, quiet);
  auto report = trawl::scan(*source, options, &observer, interrupted);
  observer.finish();
  std::map<std::string, std::string> computed;
  for (const auto& d : report.image_hashes) computed[d.algorithm] = d.hex;
  bool all_match = true;
  for (const auto& e : expected) {
    bool match = computed[e.algorithm] == e.hex;
    all_match = all_match && match;
    if (!quiet)
      std::printf("%-7s %s  %s%s\n", e.algorithm.c_str(), match ? "OK      " : "MISMATCH", computed[e.algorithm].c_str(),
                  match ? "" : ("  (expected " + e.hex + ")").c_str());
  }
  // With --expect, the hashes an E01 stores are still checked (by scan); a mismatch there counts too.
  if (!expect.empty() && !quiet)
    for (const auto& v : report.verification)
      if (!v.match)
        std::printf("%-7s MISMATCH  %s  (stored in the image: %s)\n", v.algorithm.c_str(), v.computed.c_str(), v.stored.c_str());
  if (!report.bad_ranges.empty() && !quiet)
    std::printf("warning: %zu unreadable ranges were hashed as zeros\n", report.bad_ranges.size());
  if (!all_match) return static_cast<int>(ExitCode::mismatch);
  return static_cast<int>(report.exit_code());
}

int run_blocks(const std::vector<std::string>& args) {
  std::string file;
  std::uint64_t limit = UINT64_MAX;
  po::options_description desc("trawl blocks FILE [--limit N]");
  desc.add_options()
      ("help,h", "this help")
      ("limit", po::value(&limit), "print at most N blocks");
  const auto vm = trawl::cli::parse_command_line(args, desc, "file", 1, &file);
  if (vm.count("help")) {
    std::cout << desc
              << "\nPrints one line per block: offset, length and digest, tab-separated, after a\n"
                 "'# algorithm=... block_size=... image_size=... blocks=...' header line.\n"
                 "Example:\n  trawl blocks out/blocks.sha256 | grep -F <digest>\n";
    return 0;
  }
  if (file.empty()) throw Error(ErrorKind::options, "blocks: no FILE given");
  std::string out;
  std::uint64_t image_size = 0, block_size = 0;
  auto header = trawl::detail::read_block_file(file, [&](std::uint64_t index, std::span<const unsigned char> digest) {
    if (index >= limit) return;
    if (index == 0) out.reserve(1 << 20);
    std::uint64_t offset = index * block_size;
    out += std::to_string(offset) + '\t' + std::to_string(std::min<std::uint64_t>(block_size, image_size - offset)) + '\t' +
           trawl::detail::to_hex(digest) + '\n';
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }, [&](const trawl::detail::BlockFileHeader& h) {
    image_size = h.image_size;
    block_size = h.block_size;
    std::printf("# algorithm=%s block_size=%u image_size=%llu blocks=%llu\n",
                std::string(trawl::detail::info(h.algorithm).name).c_str(), h.block_size,
                static_cast<unsigned long long>(h.image_size), static_cast<unsigned long long>(h.block_count));
  });
  (void)header;
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::fputs(overview, args.empty() ? stderr : stdout);
      return args.empty() ? static_cast<int>(ExitCode::usage) : 0;
    }
    if (args[0] == "--version" || args[0] == "-V") {
      std::printf("trawl %s\n", std::string(trawl::version()).c_str());
      return 0;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::string command = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "scan") return run_scan(rest);
    if (command == "verify") return run_verify(rest);
    if (command == "blocks") return run_blocks(rest);
    if (command == "bench") return trawl::cli::run_bench(rest);
    if (command == "merge") return trawl::cli::run_merge(rest);
    if (command == "case") return trawl::cli::run_case(rest);
    if (command == "hashset") return trawl::cli::run_hashset(rest);
    if (command == "hashdb") return trawl::cli::run_hashdb(rest);
    throw Error(ErrorKind::options, "unknown command '" + command + "' (see trawl --help)");
  } catch (const Error& e) {
    std::fprintf(stderr, "trawl: %s\n", trawl::cli::in_flag_terms(e.what()).c_str());
    return static_cast<int>(trawl::exit_code_of(e.kind()));
  } catch (const po::error& e) {
    std::fprintf(stderr, "trawl: %s (see trawl --help)\n", e.what());
    return static_cast<int>(ExitCode::usage);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trawl: internal error: %s\n", e.what());
    return static_cast<int>(ExitCode::internal);
  }
}
