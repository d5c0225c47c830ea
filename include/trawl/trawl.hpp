// trawl — the engine's public interface.
//
// A program that embeds trawl opens a Source, fills ScanOptions and calls scan(); the
// `trawl` command-line tool is a thin client of exactly this header. Everything else
// (reader, backends, sinks) is internal and may change between versions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

// The library's version, e.g. "0.1.0".
std::string_view version() noexcept;

// Process exit codes of the `trawl` tool; documented in README.md. ScanReport::exit_code() says
// which a finished scan earns; the tool maps each ErrorKind to one (exit_code_of).
enum class ExitCode : int {
  ok = 0,
  internal = 1,       // a bug or an unexpected system failure
  usage = 2,          // unknown option, bad value, missing argument
  input = 3,          // evidence cannot be opened: missing, a directory, no permission, broken split set
  output = 4,         // output folder not empty (without --force), not writable, disk full
  read_errors = 5,    // the pass completed, but unreadable ranges were zero-filled (see bad_ranges)
  mismatch = 6,       // `trawl verify`: a computed hash differs from the expected one
  interrupted = 130,  // stopped by SIGINT/SIGTERM; what was written is valid but incomplete
};

// What went wrong, for a caller that decides what to do next.
enum class ErrorKind {
  internal,  // a bug or an unexpected system failure
  options,   // an option's value is invalid, or options contradict each other
  input,     // evidence (or a database, hash set, part folder given as input) cannot be opened or read as its format
  output,    // the output folder cannot be used or written (not empty, not writable, disk full)
};

// Every error the library reports: a one-line message and its kind.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// The tool's exit code for an error of this kind: usage, input, output or internal.
constexpr ExitCode exit_code_of(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::options: return ExitCode::usage;
    case ErrorKind::input: return ExitCode::input;
    case ErrorKind::output: return ExitCode::output;
    case ErrorKind::internal: break;
  }
  return ExitCode::internal;
}

// The choices among the options below. Each has one name, the command line's and the one that
// summary.json and the reports write: to_string() gives it, parse_choice() reads it back.
enum class BackendKind { automatic, cpu, cuda, emulated };  // "auto", "cpu", "cuda", "emulated"
enum class CarveMode { validated, headers };                // "validated", "headers"
enum class PrefilterMode { automatic, emulated, off };      // "auto", "emulated", "off"
enum class FileSystemMode { automatic, off };               // "auto", "off"
// A carved file's verdict (CarvedFile::verdict): its structure was walked to its end and every check
// passed; it is consistent as far as it goes but the image, a bad sector or the size limit ends it
// first; or a check failed on the way.
enum class CarveVerdict { valid, truncated, corrupt };  // "valid", "truncated", "corrupt"
std::string_view to_string(BackendKind choice) noexcept;
std::string_view to_string(CarveMode choice) noexcept;
std::string_view to_string(PrefilterMode choice) noexcept;
std::string_view to_string(FileSystemMode choice) noexcept;
std::string_view to_string(CarveVerdict choice) noexcept;
// Sets `choice` to the one named `name`; false (and `choice` unchanged) when none has that name.
bool parse_choice(std::string_view name, BackendKind& choice) noexcept;
bool parse_choice(std::string_view name, CarveMode& choice) noexcept;
bool parse_choice(std::string_view name, PrefilterMode& choice) noexcept;
bool parse_choice(std::string_view name, FileSystemMode& choice) noexcept;
bool parse_choice(std::string_view name, CarveVerdict& choice) noexcept;
// The names of a choice's values, for messages: "auto, cpu, cuda or emulated".
std::string choice_names(BackendKind);
std::string choice_names(CarveMode);
std::string choice_names(PrefilterMode);
std::string choice_names(FileSystemMode);
std::string choice_names(CarveVerdict);

// A half-open byte range [offset, offset + length) of the image.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Evidence as a stateless positional read: any thread may call read_at at any offset (random
// access sources), or, for streams, only at the offset where the previous read ended.
class Source {
 public:
  struct Read {
    std::size_t bytes = 0;  // bytes stored; fewer than requested only at the end of the image
    int error = 0;          // errno of a failed read (then `bytes` are valid, the rest unknown)
  };
  virtual ~Source() = default;
  virtual Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const = 0;
  // The image size in bytes, or nullopt for a stream whose end is found by reading.
  virtual std::optional<std::uint64_t> size() const = 0;
  // False for stdin and pipes: stages that need to seek (carving) cannot run on them.
  virtual bool random_access() const = 0;
  // "raw", "split", "device", "stdin" or "e01".
  virtual std::string_view kind() const = 0;
  // The files behind the source, in image order ("-" for stdin).
  virtual std::vector<std::string> paths() const = 0;
  // Image digests recorded in the evidence container at acquisition (E01: "md5", "sha1"),
  // lowercase hex by algorithm name. Empty for raw images. scan() verifies them.
  virtual std::map<std::string, std::string> stored_hashes() const { return {}; }
  // Acquisition metadata of the container (E01: case_number, examiner_name, evidence_number,
  // description, notes, acquiry_date, system_date, ...). Empty for raw images.
  virtual std::map<std::string, std::string> acquisition() const { return {}; }
};

// How sources are opened; the defaults suit most runs.
struct SourceOptions {
  // Threads that read and inflate compressed E01 chunks side by side, the calling thread
  // included; 0 = one per core, at most 8.
  unsigned decode_threads = 0;
};

// Opens evidence read-only: a raw image, the first file of a split set (image.001 finds .002, ...),
// a block device, or "-" for stdin. Throws Error(ExitCode::input) with a one-line reason.
// An Expert Witness image (.E01, also found by its EVF signature) opens its whole segment set
// (.E02, ...) through libewf; an incomplete or truncated set is refused.
std::unique_ptr<Source> open_source(const std::string& path);
std::unique_ptr<Source> open_source(const std::string& path, const SourceOptions& options);

// File carving: signatures found in the pass, each candidate walked through its format's
// structure (carvers/), carved files written to OUTPUT/carved/<type>/<offset>.<ext> with a DFXML
// report (carved/report.xml) and JSON Lines records. Needs a random-access source.
struct CarveOptions {
  // Formats to carve, by name (jpeg, png, gif, bmp, tiff, riff, pdf, zip, gzip, sqlite, sqlite-wal,
  // sqlite-journal, isobmff, 7z, rar, pe, elf, ogg, mp3, amr, adts, flac, matroska, mpeg-ps), or
  // {"all"}. Empty: no carving (the library's default; `trawl scan` carves all by default).
  std::vector<std::string> types;
  // validated: only files whose structure was walked to its end and checked are carved.
  // headers: every plausible header is carved, foremost-like (for comparison).
  CarveMode mode = CarveMode::validated;
  std::uint64_t max_size = 0;  // bytes; 0 = each format's own limit only
  std::uint32_t align = 1;     // report only files starting at multiples of this (512: like foremost -q)
  // Bifragment gap carving: a PNG, ZIP, GZIP, sequential JPEG, SQLite database or PDF (classic
  // xref table) whose structure breaks partway is searched for a second piece within max_gap bytes
  // after the break (sector-aligned), and carved from its two pieces when the whole file then
  // validates (a JPEG must also pass a content check across the split; docs/carving.md).
  bool reassemble = true;
  std::uint64_t max_gap = 1 << 20;
  // Skip signature hits that start inside an allocated file of a file system (they are files
  // already); needs file-system mapping (FileSystemMode::automatic).
  bool unallocated_only = false;
};

// File-system awareness through The Sleuth Kit (libtsk): partitions and file systems are found
// before the pass, every finding is attributed to the file it lies in, and files are hashed.
// Needs a random-access source; an image without a file system scans as raw.
struct FileSystemOptions {
  FileSystemMode mode = FileSystemMode::automatic;  // map what TSK recognises; off: treat the image as raw
  bool hash_files = true;     // MD5/SHA-256 of allocated and recoverable deleted files (files/)
};

// Where a finding lies in a file system (the "fs" object of JSON records).
struct FileContext {
  std::string path;                     // "/dir/file"; "" in unallocated space; "$Metadata" in the file system's own structures
  std::uint64_t inode = 0;              // inode / MFT entry / FAT directory-entry address; 0 in unallocated space
  std::string state;                    // "allocated", "deleted" or "unallocated"
  std::optional<std::uint64_t> offset;  // byte offset inside the file; absent in unallocated space
};

// A file system found on the image.
struct FileSystemInfo {
  std::uint64_t partition_offset = 0;  // image offset of its first byte
  std::uint64_t length = 0;            // bytes
  std::string volume_system;           // "dos", "gpt", ... or "none" (file system at the image start)
  std::string type;                    // "ext4", "fat32", "ntfs", ... (TSK's names)
  std::uint32_t block_size = 0;
  std::string label;                   // volume label, when the file system has one
  std::uint64_t files = 0;             // files and directories named in it (allocated and deleted)
};

// Identifier search: phone numbers, e-mail addresses, URLs, ad identifiers, IBANs, cards.
struct IdentifierOptions {
  bool enabled = true;
  std::vector<std::string> types;       // feature types to report (phone, email, ...); empty = all
  bool builtin_rules = true;            // the rules compiled into trawl (rules/builtin.rules)
  std::vector<std::string> rule_files;  // more rule packs (format: rules/README.md)
  std::vector<std::string> regions;     // phone regions for national formats; empty = EU, CH, NO, GB, CN, US
  bool keep_invalid = false;            // report candidates that fail validation, flagged
  std::string watchlist;                // file of known identifiers: hits become alert records
  bool decode = true;                   // also inflate gzip, zlib and ZIP content and search it
  std::size_t decode_max = 16u << 20;   // decoded bytes per stream
  // Which windows Hyperscan scans: automatic = the windows the backend's device prefilter marks
  // (all, on the CPU backend), emulated = the prefilter kernel run on the host (for tests),
  // off = everything. The results are the same whichever is used.
  PrefilterMode prefilter = PrefilterMode::automatic;
};

// Known files (docs/known.md): block-hash matching against a database from `trawl hashdb build`,
// which finds known files even deleted, fragmented or partly overwritten, and whole-file hash
// sets from `trawl hashset import` (NSRL, hashdeep, *sum lists), matched against carved files.
struct KnownOptions {
  std::string block_db;                // a .tdb; empty: no block matching
  std::uint32_t block_step = 0;        // a candidate block starts every N bytes (512: every sector); 0 = the database's block size
  std::vector<std::string> hash_sets;  // .ths stores to match carved files against
  bool skip_known_good = false;        // do not keep carved files that a known-good set holds
};

struct ScanOptions {
  // Whole-image hashes: any of md5, sha1, sha256, sha512, xxh128; each runs on its own thread.
  std::vector<std::string> image_hashes{"md5", "sha1", "sha256"};
  // Per-block hashes: any of md5, sha1, sha256, xxh64; one compact file per algorithm.
  std::vector<std::string> block_hashes{"sha256"};
  std::uint32_t block_size = 4096;  // power of two >= 512
  // Reading: each chunk owns `page_size` bytes and also holds the next `margin` bytes.
  std::size_t page_size = 16u << 20;  // multiple of block_size
  std::size_t margin = 1u << 20;      // <= page_size
  std::size_t buffers = 6;            // chunk buffers in the ring (bounds memory)
  unsigned threads = 0;               // block-hash workers; 0 = one per core
  std::uint32_t sector_size = 512;    // smallest read retried after an I/O error
  // automatic: CUDA where a usable device exists, else the CPU with a notice; emulated: the CUDA
  // backend's kernels run on the host through the emulated launch (for tests)
  BackendKind backend = BackendKind::automatic;
  IdentifierOptions identifiers;
  // Output folder (created if missing); empty = write no files, only return the report.
  std::filesystem::path output;
  bool force = false;  // allow an output folder that is not empty
  CarveOptions carve;
  KnownOptions known;
  FileSystemOptions filesystem;
};

struct ImageDigest {
  std::string algorithm;  // as named in ScanOptions::image_hashes
  std::string hex;        // lowercase, as printed by md5sum & co.
};

struct BlockHashOutput {
  std::string algorithm;
  std::filesystem::path file;  // compact block-digest file; read back with `trawl blocks`
  std::uint64_t blocks = 0;
};

// One carved file (or, in headers mode, one carved candidate).
struct CarvedFile {
  std::uint64_t offset = 0;  // absolute image offset of its first byte
  std::uint64_t length = 0;
  std::string type;          // the carver: "jpeg", "zip", ...
  std::string subtype;       // what the content says it is: "docx", "webp", "mov"; == type when nothing more
  CarveVerdict verdict = CarveVerdict::valid;
  std::string note;          // why, when not valid
  std::string file;          // path relative to the output folder; empty when nothing was written
  std::string md5, sha256;   // of the carved bytes (lowercase hex)
  std::optional<std::uint64_t> parent;  // offset of the carved file this one lies inside
  // The hash set that holds this file (by SHA-256 or MD5), when --hashset stores were given.
  struct Known {
    std::string set;    // the set's name
    std::string label;  // "known-good", "known-bad" or "custom"
    std::string name;   // the file's name in the set
  };
  std::optional<Known> known;
  // The file's pieces in the image, in file order, when it was reassembled from fragments
  // (then `offset` is the first piece's and `length` the sum); empty for a contiguous file.
  std::vector<ByteRange> runs;
  bool reassembled = false;
  std::optional<FileContext> fs;        // the file system file its first byte lies in (none: no file system there)
};

// Per carver: what its signatures led to.
struct CarveTally {
  std::uint64_t hits = 0;       // signature matches
  std::uint64_t carved = 0;     // files written (or reported, without an output folder)
  std::uint64_t valid = 0, truncated = 0, corrupt = 0;  // verdicts of the candidates that had a header
  std::uint64_t nested = 0;     // carved files inside another carved file
  std::uint64_t bytes = 0;      // carved bytes
  std::uint64_t reassembled = 0;         // valid files carved from two pieces
  std::uint64_t reassembly_tried = 0;    // broken files searched for a second piece
  std::uint64_t reassembly_skipped = 0;  // searches stopped by the work budget
};

struct IdentifierSummary {
  std::map<std::string, std::uint64_t> counts;  // features per type
  std::uint64_t invalid_kept = 0;
  std::uint64_t decoded_streams = 0;
  std::uint64_t decoded_bytes = 0;  // searched in addition to the image's own bytes
  std::uint64_t watchlist_hits = 0;
};

// A digest stored in the evidence container, checked against the one the pass computed.
struct HashVerification {
  std::string algorithm;
  std::string stored;    // lowercase hex, from Source::stored_hashes()
  std::string computed;  // lowercase hex
  bool match = false;
};

// A known file of the block database of which blocks were found in the image.
struct KnownFileReport {
  std::string file;               // its name in the database
  std::uint64_t size = 0;
  std::string sha256;             // of the whole known file
  std::uint64_t blocks_total = 0;      // whole blocks of the file
  std::uint64_t blocks_probative = 0;  // of those, blocks that identify it (not flagged in the database)
  std::uint64_t blocks_found = 0;      // distinct probative blocks found in the image
  std::uint64_t runs = 0;              // runs they were found in (one per fragment or surviving piece)
  std::vector<std::uint64_t> offsets;  // image offsets of the first runs, in offset order (at most 16)
  double fraction = 0;                 // blocks_found / blocks_probative
};

// Consecutive blocks of one known file found at consecutive image offsets.
struct KnownRun {
  std::uint64_t offset = 0;       // image offset of its first block found
  std::size_t file = 0;           // index into KnownSummary::files
  std::uint64_t first_block = 0;  // block indices within the known file, both included
  std::uint64_t last_block = 0;
  std::uint64_t blocks = 0;       // probative blocks found (the non-probative ones between are not counted)
  std::optional<FileContext> fs;  // the file of the image's file system its first block lies in, when one was found
};

struct KnownSummary {
  bool enabled = false;              // block matching ran
  std::uint32_t block_size = 0, step = 0;
  std::uint64_t candidates = 0;      // block starts looked up
  std::uint64_t block_hits = 0;      // of those, probative blocks of a known file
  std::vector<KnownFileReport> files;  // by name
  std::vector<KnownRun> runs;          // in offset order
  std::uint64_t carved_known_good = 0, carved_known_bad = 0, carved_custom = 0;
  std::uint64_t carved_not_kept = 0;   // known-good carved files removed (--skip-known-good)
};

struct ScanReport {
  std::string image;          // the path given
  std::string label;          // ImageJob::label (the device), or empty
  std::string notes;          // ImageJob::notes
  ByteRange range;            // the pages scanned: the whole image unless ImageJob::range said otherwise
  std::string source_kind;    // Source::kind()
  BackendKind backend = BackendKind::cpu;  // the backend that ran: cpu, cuda or emulated (never automatic)
  std::string backend_notice; // why auto fell back to the CPU, or empty
  std::uint64_t image_size = 0;
  std::uint64_t bytes_read = 0;           // bytes delivered by the source (bad sectors excluded)
  std::vector<ByteRange> bad_ranges;      // unreadable, zero-filled, merged, in offset order
  std::vector<ImageDigest> image_hashes;  // in the order requested
  std::vector<BlockHashOutput> block_hashes;
  IdentifierSummary identifiers;
  std::map<std::string, double> stage_seconds;  // busy time per stage
  std::vector<CarvedFile> carved;                // in offset order
  std::map<std::string, CarveTally> carve_tally;  // by carver type
  std::string carve_notice;                       // why carving did not run, or empty
  KnownSummary known;
  std::vector<FileSystemInfo> filesystems;        // found before the pass, in offset order
  std::string filesystem_notice;                  // why file-system mapping did not run, or empty
  std::uint64_t files_hashed = 0;                 // files in files/report.xml
  double wall_seconds = 0;
  bool interrupted = false;
  std::map<std::string, std::string> acquisition;  // Source::acquisition()
  // One per stored digest, after a complete pass; any mismatch makes exit_code() mismatch.
  std::vector<HashVerification> verification;
  ExitCode exit_code() const noexcept;
};

// Receives what a scan produces while it runs. Called from engine threads, one call at a time.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_progress(std::uint64_t /*bytes_done*/, std::optional<std::uint64_t> /*total*/) {}
  virtual void on_record(std::string_view /*json_line*/) {}  // one JSON object, no newline
  // False when records are not wanted: the engine then does not build them (they cost time).
  virtual bool wants_records() const { return true; }
  virtual void on_notice(std::string_view /*message*/) {}    // one line for a person
};

// Asks the scans that hold it (or a copy of it: copies share one request) to stop at the next
// chunk; what they wrote stays valid and their reports say `interrupted`. A fresh token asks
// nothing. request_stop() is safe from a signal handler; a token never resets.
class StopToken {
 public:
  StopToken();
  void request_stop() const noexcept;
  bool stop_requested() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Reads the whole source once and runs every requested stage on it. Throws Error on bad
// options or output problems; read errors do not throw (they become bad_ranges).
ScanReport scan(const Source& source, const ScanOptions& options, Observer* observer = nullptr,
                const StopToken& stop = StopToken());

// What differs between the images of one batch.
struct ImageJob {
  std::filesystem::path output;  // this image's output folder (replaces ScanOptions::output)
  std::string label;             // the device, as a manifest names it (summary.json "device")
  std::string notes;
  // Scan only the pages in [range.offset, range.offset + range.length) (length 0: to the end);
  // findings that start in it are reported whole, even when they end after it. The offset must
  // be a multiple of the page size. Outputs of the ranges of an image, merged (trawl merge),
  // equal those of the whole image, image hashes aside (a range run computes none).
  ByteRange range;
  StopToken stop;  // this scan's; give every job the same token to stop them all
};

// A scan set up once for many images: options checked and identifier rules compiled once;
// scan() may run on several threads at a time, one image each.
class Engine {
 public:
  explicit Engine(ScanOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ScanReport scan(const Source& source, const ImageJob& job, Observer* observer = nullptr) const;
  const ScanOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trawl
