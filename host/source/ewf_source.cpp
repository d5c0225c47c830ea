#include "host/source/ewf_source.hpp"

#include <fcntl.h>
#include <libewf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "host/util/text.hpp"
#include "host/util/unique_fd.hpp"

namespace trawl::detail {
namespace {

constexpr std::array<unsigned char, 8> ewf1_signature{'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};
constexpr std::array<unsigned char, 8> ewf2_signature{'E', 'V', 'F', '2', 0x0d, 0x0a, 0x81, 0x00};
// An EWF1 segment file ends in a 76-byte section descriptor: a 16-byte type ("next" in every
// segment but the last, "done" in the last), then the offset of the next section, which for
// this final section is the descriptor itself.
constexpr std::size_t section_descriptor_size = 76;
// Pieces of a large read handed to the decode threads: whole chunks, about this many bytes.
constexpr std::uint64_t piece_target = 1u << 20;

// libewf reports errors as objects; this turns one into a line and frees it.
std::string take_message(libewf_error_t*& error) {
  if (!error) return "unknown libewf error";
  std::array<char, 1024> text{};
  libewf_error_sprint(error, text.data(), text.size());
  libewf_error_free(&error);
  std::string line(text.data());
  std::replace(line.begin(), line.end(), '\n', ' ');
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string extension_of(const std::string& path) { return lower(std::filesystem::path(path).extension().string()); }

// The first `size` bytes of a file; fewer when it is shorter, none when it cannot be read.
std::vector<unsigned char> read_head(const std::string& path, std::size_t size, std::uint64_t offset = 0) {
  std::vector<unsigned char> bytes(size);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return {};
  ssize_t n = ::pread(fd.get(), bytes.data(), size, static_cast<off_t>(offset));
  bytes.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return bytes;
}

template <std::size_t N>
bool starts_with(const std::vector<unsigned char>& bytes, const std::array<unsigned char, N>& prefix) {
  return bytes.size() >= N && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

std::uint64_t le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// "disk.E07" -> "disk.E08" for the two-digit names; empty when the name is not of that form.
std::string next_segment_name(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  if (ext.size() != 4 || !std::isdigit(static_cast<unsigned char>(ext[2])) || !std::isdigit(static_cast<unsigned char>(ext[3])))
    return {};
  int number = (ext[2] - '0') * 10 + (ext[3] - '0') + 1;
  if (number > 99) return {};
  std::string next = path;
  next[next.size() - 2] = static_cast<char>('0' + number / 10);
  next[next.size() - 1] = static_cast<char>('0' + number % 10);
  return next;
}

// A complete EWF1 set: segment numbers 1..n in order, every segment ends in a "next" section
// but the last, which ends in "done". libewf itself opens incomplete sets and reads the lost
// part as checksum errors; trawl refuses them, as it refuses a broken split raw set, so that a
// missing file is named instead of showing up as megabytes of zeros.
void check_ewf1_set(const std::vector<std::string>& segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& path = segments[i];
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      throw Error(ErrorKind::input, "cannot open E01 segment " + in_quotes(path) + ": " + errno_text(errno));
    auto head = read_head(path, 13);
    if (!starts_with(head, ewf1_signature) || head.size() < 13)
      throw Error(ErrorKind::input, "E01 segment " + in_quotes(path) + " has no EWF signature");
    const unsigned number = head[9] | (head[10] << 8);
    if (number != i + 1)
      throw Error(ErrorKind::input, "E01 segment " + in_quotes(path) + " is segment " + std::to_string(number) +
                                        " of its set, expected " + std::to_string(i + 1) +
                                        (i == 0 ? " (open a set from its first file, .E01)" : ""));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::vector<unsigned char> tail;
    if (size >= 13 + section_descriptor_size) tail = read_head(path, section_descriptor_size, size - section_descriptor_size);
    const bool whole = tail.size() == section_descriptor_size && le64(tail.data() + 16) == size - section_descriptor_size;
    const std::string type = whole ? std::string(reinterpret_cast<const char*>(tail.data()), strnlen(reinterpret_cast<const char*>(tail.data()), 16)) : "";
    const bool last = i + 1 == segments.size();
    if (type == "next" && last) {
      const auto next = next_segment_name(path);
      throw Error(ErrorKind::input, "incomplete E01 set: " + in_quotes(path) + " is not the last segment, but " +
                                        (next.empty() ? std::string("the one after it") : in_quotes(next)) + " is missing");
    }
    if (type == "done" && !last)
      throw Error(ErrorKind::input,
                  "broken E01 set: " + in_quotes(path) + " ends the set, but " + in_quotes(segments[i + 1]) + " follows it");
    if (type != "next" && type != "done")
      throw Error(ErrorKind::input, "truncated E01 segment " + in_quotes(path) + " (" + std::to_string(size) +
                                        " bytes): it does not end in a next or done section");
  }
}

// The set's files from its first one, in order.
std::vector<std::string> glob_segments(const std::string& first_path) {
  libewf_error_t* error = nullptr;
  char** names = nullptr;
  int count = 0;
  if (libewf_glob(first_path.c_str(), first_path.size(), LIBEWF_FORMAT_UNKNOWN, &names, &count, &error) != 1) {
    // A name libewf does not know (an EWF file not called .E01): the file alone.
    libewf_error_free(&error);
    return {first_path};
  }
  std::vector<std::string> segments(names, names + count);
  libewf_glob_free(names, count, &error);
  libewf_error_free(&error);
  if (segments.empty()) segments.push_back(first_path);
  return segments;
}

std::string first_line_only(std::string text) {
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }), text.end());
  return text;
}

}  // namespace

// One libewf handle on the set. Used by one thread at a time (libewf handles are not thread-safe).
struct EwfSource::Handle {
  libewf_handle_t* ewf = nullptr;
  ~Handle() {
    if (!ewf) return;
    libewf_error_t* error = nullptr;
    libewf_handle_close(ewf, &error);
    libewf_error_free(&error);
    libewf_handle_free(&ewf, &error);
    libewf_error_free(&error);
  }
};

// A handle lent to one thread, returned when the lease ends.
class EwfSource::HandleLease {
 public:
  HandleLease(const EwfSource* source, Handle* handle) : source_(source), handle_(handle) {}
  HandleLease(HandleLease&& other) noexcept : source_(other.source_), handle_(std::exchange(other.handle_, nullptr)) {}
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
  HandleLease& operator=(HandleLease&&) = delete;
  ~HandleLease() {
    if (handle_) source_->give_back(handle_);
  }
  explicit operator bool() const { return handle_ != nullptr; }
  Handle& operator*() const { return *handle_; }

 private:
  const EwfSource* source_;
  Handle* handle_;
};

bool looks_like_ewf(const std::string& path) {
  const auto ext = extension_of(path);
  if (ext == ".e01" || ext == ".ex01") return true;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const auto head = read_head(path, 8);
  return starts_with(head, ewf1_signature) || starts_with(head, ewf2_signature);
}

std::unique_ptr<EwfSource> EwfSource::open(const std::string& first_path, unsigned decode_threads) {
  struct stat st {};
  if (::stat(first_path.c_str(), &st) != 0)
    throw Error(ErrorKind::input, "cannot open " + in_quotes(first_path) + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw Error(ErrorKind::input, in_quotes(first_path) + " is not a regular file");
  const auto head = read_head(first_path, 8);
  const bool ewf1 = starts_with(head, ewf1_signature);
  if (!ewf1 && !starts_with(head, ewf2_signature))
    throw Error(ErrorKind::input, in_quotes(first_path) + " is not an Expert Witness (E01) file: no EVF signature");

  std::unique_ptr<EwfSource> source(new EwfSource());
  source->segments_ = glob_segments(first_path);
  std::error_code ec;
  if (!std::filesystem::equivalent(source->segments_.front(), first_path, ec))
    throw Error(ErrorKind::input, in_quotes(first_path) +
                                      " is not the first segment of its E01 set: open a set from its first file, " +
                                      in_quotes(source->segments_.front()));
  if (ewf1) check_ewf1_set(source->segments_);

  auto handle = open_handle(source->segments_);
  libewf_error_t* error = nullptr;
  size64_t media_size = 0;
  std::uint32_t chunk_size = 0, bytes_per_sector = 0;
  if (libewf_handle_get_media_size(handle->ewf, &media_size, &error) != 1 ||
      libewf_handle_get_chunk_size(handle->ewf, &chunk_size, &error) != 1 ||
      libewf_handle_get_bytes_per_sector(handle->ewf, &bytes_per_sector, &error) != 1)
    throw Error(ErrorKind::input, "cannot read the media values of " + in_quotes(first_path) + ": " + take_message(error));
  if (chunk_size == 0 || bytes_per_sector == 0)
    throw Error(ErrorKind::input, in_quotes(first_path) + " has no chunk size or sector size");
  source->media_size_ = media_size;
  source->chunk_size_ = chunk_size;
  source->bytes_per_sector_ = bytes_per_sector;

  // Stored digests: the binary MD5 and SHA-1 of the hash/digest sections, then any others that
  // the hash values carry (SHA256 in newer formats), as lowercase hex.
  // An all-zero digest is a tool's placeholder for "not computed", not a digest.
  auto keep = [&](const std::string& name, std::span<const unsigned char> digest) {
    if (std::any_of(digest.begin(), digest.end(), [](unsigned char b) { return b != 0; }))
      source->stored_hashes_[name] = to_hex(digest);
  };
  std::array<std::uint8_t, 20> digest{};
  if (libewf_handle_get_md5_hash(handle->ewf, digest.data(), 16, &error) == 1) keep("md5", std::span(digest).first(16));
  libewf_error_free(&error);
  if (libewf_handle_get_sha1_hash(handle->ewf, digest.data(), 20, &error) == 1) keep("sha1", digest);
  libewf_error_free(&error);
  std::uint32_t count = 0;
  if (libewf_handle_get_number_of_hash_values(handle->ewf, &count, &error) == 1) {
    for (std::uint32_t i = 0; i < count; ++i) {
      std::array<std::uint8_t, 64> id{};
      std::array<std::uint8_t, 256> value{};
      if (libewf_handle_get_hash_value_identifier(handle->ewf, i, id.data(), id.size(), &error) != 1) break;
      std::string name = lower(reinterpret_cast<const char*>(id.data()));
      if (libewf_handle_get_utf8_hash_value(handle->ewf, id.data(), std::strlen(reinterpret_cast<const char*>(id.data())),
                                            value.data(), value.size(), &error) != 1)
        continue;
      std::string hex = lower(reinterpret_cast<const char*>(value.data()));
      const bool is_hex = !hex.empty() && std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
      if (is_hex && hex.find_first_not_of('0') != std::string::npos && !source->stored_hashes_.count(name))
        source->stored_hashes_[name] = hex;
    }
  }
  libewf_error_free(&error);

  // Acquisition metadata: the header values (case number, examiner, notes, dates, ...). The
  // password field is left out: it is a hash of a password, not something for a report. Dates
  // as ISO 8601 ("2026-11-29T02:02:57"), the time as the acquiring machine's clock showed it.
  libewf_handle_set_header_values_date_format(handle->ewf, LIBEWF_DATE_FORMAT_ISO8601, &error);
  libewf_error_free(&error);
  if (libewf_handle_get_number_of_header_values(handle->ewf, &count, &error) == 1) {
    for (std::uint32_t i = 0; i < count; ++i) {
      std::array<std::uint8_t, 128> id{};
      std::array<std::uint8_t, 4096> value{};
      if (libewf_handle_get_header_value_identifier(handle->ewf, i, id.data(), id.size(), &error) != 1) break;
      const std::string name(reinterpret_cast<const char*>(id.data()));
      if (name == "password") continue;
      if (libewf_handle_get_utf8_header_value(handle->ewf, id.data(), name.size(), value.data(), value.size(), &error) != 1) {
        libewf_error_free(&error);
        continue;
      }
      std::string text = first_line_only(reinterpret_cast<const char*>(value.data()));
      if (!text.empty()) source->acquisition_[name] = text;
    }
  }
  libewf_error_free(&error);

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads = decode_threads ? decode_threads : std::min(cores, 8u);
  // The calling thread decodes too: threads - 1 workers. Two more handles than decoders serve
  // the carvers' small reads beside the Reader's large ones.
  source->max_handles_ = threads + 2;
  source->free_handles_.push_back(handle.get());
  source->all_handles_.push_back(std::move(handle));
  for (unsigned i = 1; i < threads; ++i) source->workers_.emplace_back([s = source.get()] { s->worker_loop(); });
  return source;
}

std::unique_ptr<EwfSource::Handle> EwfSource::open_handle(const std::vector<std::string>& segments) {
  auto handle = std::make_unique<EwfSource::Handle>();
  libewf_error_t* error = nullptr;
  if (libewf_handle_initialize(&handle->ewf, &error) != 1) throw Error(ErrorKind::internal, "libewf: " + take_message(error));
  std::vector<char*> names;
  for (const auto& s : segments) names.push_back(const_cast<char*>(s.c_str()));
  if (libewf_handle_open(handle->ewf, names.data(), static_cast<int>(names.size()), LIBEWF_OPEN_READ, &error) != 1)
    throw Error(ErrorKind::input, "cannot open E01 image " + in_quotes(segments.front()) + ": " + take_message(error));
  return handle;
}

EwfSource::~EwfSource() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void EwfSource::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void EwfSource::submit(std::function<void()> task) const {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(task));
  }
  queue_changed_.notify_one();
}

EwfSource::HandleLease EwfSource::lease(bool wait) const {
  std::unique_lock lock(handles_mutex_);
  for (;;) {
    if (!free_handles_.empty()) {
      Handle* h = free_handles_.back();
      free_handles_.pop_back();
      return HandleLease(this, h);
    }
    if (all_handles_.size() < max_handles_) {
      // Opened under the lock: rare (at most max_handles_ times) and it keeps the count exact.
      try {
        all_handles_.push_back(open_handle(segments_));
        return HandleLease(this, all_handles_.back().get());
      } catch (const Error&) {
        if (all_handles_.empty()) throw;
        max_handles_ = all_handles_.size();  // e.g. out of file descriptors: make do with these
      }
    }
    if (!wait) return HandleLease(this, nullptr);
    handle_returned_.wait(lock, [&] { return !free_handles_.empty(); });
  }
}

void EwfSource::give_back(Handle* handle) const {
  {
    std::lock_guard lock(handles_mutex_);
    free_handles_.push_back(handle);
  }
  handle_returned_.notify_one();
}

Source::Read EwfSource::read_with(Handle& handle, std::span<std::byte> buffer, std::uint64_t offset) const {
  Read r;
  while (r.bytes < buffer.size()) {
    libewf_error_t* error = nullptr;
    ssize_t n = libewf_handle_read_random(handle.ewf, buffer.data() + r.bytes, buffer.size() - r.bytes,
                                          static_cast<off64_t>(offset + r.bytes), &error);
    if (n < 0) {
      libewf_error_free(&error);
      r.error = EIO;
      break;
    }
    if (n == 0) break;
    r.bytes += static_cast<std::size_t>(n);
  }
  collect_checksum_errors(handle);
  return r;
}

void EwfSource::collect_checksum_errors(Handle& handle) const {
  libewf_error_t* error = nullptr;
  std::uint32_t count = 0;
  if (libewf_handle_get_number_of_checksum_errors(handle.ewf, &count, &error) != 1 || count == 0) {
    libewf_error_free(&error);
    return;
  }
  std::lock_guard lock(bad_mutex_);
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint64_t first = 0, sectors = 0;
    if (libewf_handle_get_checksum_error(handle.ewf, i, &first, &sectors, &error) != 1) {
      libewf_error_free(&error);
      continue;
    }
    std::uint64_t start = first * bytes_per_sector_;
    std::uint64_t end = std::min<std::uint64_t>((first + sectors) * bytes_per_sector_, media_size_);
    if (end <= start) continue;
    // Merge with every range it touches, so the map holds disjoint ranges.
    auto it = bad_sectors_.upper_bound(start);
    if (it != bad_sectors_.begin() && std::prev(it)->second >= start) --it;
    while (it != bad_sectors_.end() && it->first <= end) {
      start = std::min(start, it->first);
      end = std::max(end, it->second);
      it = bad_sectors_.erase(it);
    }
    bad_sectors_[start] = end;
  }
}

std::optional<std::uint64_t> EwfSource::first_bad(std::uint64_t offset, std::uint64_t length) const {
  std::lock_guard lock(bad_mutex_);
  if (bad_sectors_.empty() || length == 0) return std::nullopt;
  auto it = bad_sectors_.upper_bound(offset);
  if (it != bad_sectors_.begin() && std::prev(it)->second > offset) return offset;
  if (it != bad_sectors_.end() && it->first < offset + length) return it->first;
  return std::nullopt;
}

Source::Read EwfSource::read_at(std::span<std::byte> buffer, std::uint64_t offset) const {
  if (offset >= media_size_) return {};
  if (buffer.size() > media_size_ - offset) buffer = buffer.first(static_cast<std::size_t>(media_size_ - offset));

  // Pieces end on absolute multiples of `piece`, so each piece is whole chunks but the ends.
  const std::uint64_t piece = std::max<std::uint64_t>(1, piece_target / chunk_size_) * chunk_size_;
  const std::uint64_t end = offset + buffer.size();
  const std::uint64_t pieces = (end - 1) / piece - offset / piece + 1;
  Read r;
  if (workers_.empty() || pieces < 2) {
    auto handle = lease(true);
    r = read_with(*handle, buffer, offset);
  } else {
    // Shared with the tasks, which may start after this read is done: they find no piece left.
    struct Job {
      std::atomic<std::uint64_t> next{0};
      std::uint64_t count = 0;
      std::vector<Read> results;
      std::mutex mutex;
      std::condition_variable finished;
      std::uint64_t done = 0;  // pieces read, under mutex
    };
    auto job = std::make_shared<Job>();
    job->count = pieces;
    job->results.resize(pieces);
    const std::uint64_t base = offset / piece * piece;
    auto piece_span = [=](std::uint64_t i) {
      std::uint64_t lo = std::max(offset, base + i * piece), hi = std::min(end, base + (i + 1) * piece);
      return std::pair{lo, hi};
    };
    // Reads pieces until none is left. Only the calling thread waits for a handle; a worker that
    // finds none free leaves the pieces to the others (so no thread waits on a handle that a
    // waiting caller holds).
    auto drain = [this, job, piece_span, buffer, offset](bool wait) {
      if (job->next.load() >= job->count) return;
      auto handle = lease(wait);
      if (!handle) return;
      for (std::uint64_t i; (i = job->next.fetch_add(1)) < job->count;) {
        auto [lo, hi] = piece_span(i);
        Read piece_read = read_with(*handle, buffer.subspan(lo - offset, hi - lo), lo);
        std::lock_guard lock(job->mutex);
        job->results[i] = piece_read;
        if (++job->done == job->count) job->finished.notify_all();
      }
    };
    const std::uint64_t helpers = std::min<std::uint64_t>(workers_.size(), pieces - 1);
    for (std::uint64_t i = 0; i < helpers; ++i) submit([drain] { drain(false); });
    drain(true);
    std::unique_lock lock(job->mutex);
    job->finished.wait(lock, [&] { return job->done == job->count; });
    // The bytes before the first failed or short piece count; the rest are unknown.
    for (std::uint64_t i = 0; i < pieces; ++i) {
      auto [lo, hi] = piece_span(i);
      r.bytes += job->results[i].bytes;
      if (job->results[i].error) {
        r.error = job->results[i].error;
        break;
      }
      if (job->results[i].bytes < hi - lo) break;
    }
  }
  // A chunk whose checksum failed holds unknown bytes: the read fails where it starts, and the
  // Reader narrows the failure down and zero-fills it, as for a bad sector.
  if (auto bad = first_bad(offset, r.bytes)) {
    r.bytes = static_cast<std::size_t>(*bad - offset);
    r.error = EIO;
  }
  return r;
}

}  // namespace trawl::detail
