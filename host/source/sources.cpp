#include "host/source/sources.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "host/source/ewf_source.hpp"
#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

// Opens a path read-only and says in one line why not, with the exit code for bad input.
UniqueFd open_evidence(const std::string& path, struct stat& st) {
  if (::stat(path.c_str(), &st) != 0) throw Error(ErrorKind::input, "cannot open " + in_quotes(path) + ": " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw Error(ErrorKind::input, in_quotes(path) + " is a directory, not an image");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) throw Error(ErrorKind::input, "cannot open " + in_quotes(path) + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
    throw Error(ErrorKind::input, in_quotes(path) + " is neither a file nor a block device");
  return fd;
}

// pread until the buffer is full, the end of the file, or an error.
Source::Read pread_full(int fd, std::span<std::byte> buffer, std::uint64_t offset) {
  Source::Read r;
  while (r.bytes < buffer.size()) {
    ssize_t n = ::pread(fd, buffer.data() + r.bytes, buffer.size() - r.bytes,
                        static_cast<off_t>(offset + r.bytes));
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = errno;
      return r;
    }
    if (n == 0) break;
    r.bytes += static_cast<std::size_t>(n);
  }
  return r;
}

// "image.001" -> ("image.", 1, 3); nullopt when the name does not end in a numeric extension.
struct SplitName {
  std::string stem;
  unsigned first;
  std::size_t width;
};
std::optional<SplitName> split_name(const std::string& path) {
  auto dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return std::nullopt;
  std::string digits = path.substr(dot + 1);
  if (digits.size() < 3 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
  unsigned number = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (number > 1) return std::nullopt;  // a split set is opened from its first segment
  return SplitName{path.substr(0, dot + 1), number, digits.size()};
}

std::string segment_path(const SplitName& name, unsigned number) {
  std::string digits = std::to_string(number);
  if (digits.size() < name.width) digits.insert(0, name.width - digits.size(), '0');
  return name.stem + digits;
}

}  // namespace

std::unique_ptr<FileSource> FileSource::open(const std::string& path) {
  struct stat st {};
  UniqueFd fd = open_evidence(path, st);
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  bool device = S_ISBLK(st.st_mode);
  if (device && ::ioctl(fd.get(), BLKGETSIZE64, &size) != 0)
    throw Error(ErrorKind::input, "cannot read the size of device " + in_quotes(path) + ": " + errno_text(errno));
  return std::unique_ptr<FileSource>(new FileSource(path, std::move(fd), size, device));
}

Source::Read FileSource::read_at(std::span<std::byte> buffer, std::uint64_t offset) const {
  if (offset >= size_) return {};
  if (buffer.size() > size_ - offset) buffer = buffer.first(static_cast<std::size_t>(size_ - offset));
  return pread_full(fd_.get(), buffer, offset);
}

SplitSource::SplitSource(std::vector<Segment> segments) : segments_(std::move(segments)) {
  for (const auto& s : segments_) size_ += s.size;
}

std::unique_ptr<SplitSource> SplitSource::open(const std::string& first_path) {
  auto name = split_name(first_path);
  if (!name) throw Error(ErrorKind::input, in_quotes(first_path) + " is not the first file of a split set");
  std::vector<Segment> segments;
  std::uint64_t start = 0;
  for (unsigned number = name->first;; ++number) {
    std::string path = segment_path(*name, number);
    if (number != name->first && !std::filesystem::exists(path)) break;
    struct stat st {};
    UniqueFd fd = open_evidence(path, st);
    if (!S_ISREG(st.st_mode)) throw Error(ErrorKind::input, in_quotes(path) + " is not a regular file");
    auto size = static_cast<std::uint64_t>(st.st_size);
    segments.push_back(Segment{path, std::move(fd), start, size});
    start += size;
  }
  // Every segment but the last has the first one's size; otherwise a segment is missing or cut.
  for (std::size_t i = 1; i + 1 < segments.size(); ++i)
    if (segments[i].size != segments[0].size)
      throw Error(ErrorKind::input, "truncated split set: " + in_quotes(segments[i].path) + " has " +
                                        std::to_string(segments[i].size) + " bytes, expected " +
                                        std::to_string(segments[0].size));
  if (segments.size() > 1 && segments.back().size > segments[0].size)
    throw Error(ErrorKind::input,
                "broken split set: last segment " + in_quotes(segments.back().path) + " is larger than the first");
  if (segments.size() > 1 && segments.back().size == 0)
    throw Error(ErrorKind::input, "truncated split set: " + in_quotes(segments.back().path) + " is empty");
  // A later segment beyond a gap in the numbering means one in between is missing.
  for (unsigned gap = 1; gap <= 8; ++gap) {
    std::string beyond = segment_path(*name, name->first + static_cast<unsigned>(segments.size()) + gap);
    if (std::filesystem::exists(beyond))
      throw Error(ErrorKind::input,
                  "truncated split set: " + in_quotes(segment_path(*name, name->first + static_cast<unsigned>(segments.size()))) +
                      " is missing but " + in_quotes(beyond) + " exists");
  }
  return std::unique_ptr<SplitSource>(new SplitSource(std::move(segments)));
}

Source::Read SplitSource::read_at(std::span<std::byte> buffer, std::uint64_t offset) const {
  Read total;
  // First segment whose end lies beyond offset.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](std::uint64_t off, const Segment& s) { return off < s.start + s.size; });
  for (; it != segments_.end() && total.bytes < buffer.size(); ++it) {
    std::uint64_t at = offset + total.bytes;
    std::uint64_t in_segment = at - it->start;
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size() - total.bytes, it->size - in_segment));
    Read r = pread_full(it->fd.get(), buffer.subspan(total.bytes, want), in_segment);
    total.bytes += r.bytes;
    if (r.error) {
      total.error = r.error;
      return total;
    }
    if (r.bytes < want) {  // the segment shrank since it was opened
      total.error = EIO;
      return total;
    }
  }
  return total;
}

std::vector<std::string> SplitSource::paths() const {
  std::vector<std::string> out;
  for (const auto& s : segments_) out.push_back(s.path);
  return out;
}

Source::Read StreamSource::read_at(std::span<std::byte> buffer, std::uint64_t offset) const {
  std::lock_guard lock(mutex_);
  if (offset != position_)
    throw Error(ErrorKind::internal, "stream " + name_ + " read out of order at offset " + std::to_string(offset));
  Read r;
  while (r.bytes < buffer.size()) {
    ssize_t n = ::read(fd_, buffer.data() + r.bytes, buffer.size() - r.bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = errno;
      break;
    }
    if (n == 0) break;
    r.bytes += static_cast<std::size_t>(n);
  }
  position_ += r.bytes;
  return r;
}

Source::Read FaultySource::read_at(std::span<std::byte> buffer, std::uint64_t offset) const {
  // Sectors before the first bad one read normally; the read then fails there.
  std::uint64_t end = offset + buffer.size();
  std::uint64_t first_bad = end;
  for (const auto& bad : bad_) {
    std::uint64_t lo = bad.offset / sector_ * sector_;
    std::uint64_t hi = bad.offset + bad.length;
    if (lo < end && hi > offset) first_bad = std::min(first_bad, std::max(lo, offset));
  }
  {
    std::lock_guard lock(mutex_);
    auto cut = std::find_if(short_reads_.begin(), short_reads_.end(), [&](std::uint64_t at) { return at > offset && at < end; });
    if (cut != short_reads_.end() && *cut < first_bad) {
      const std::uint64_t at = *cut;
      short_reads_.erase(cut);
      return inner_->read_at(buffer.first(static_cast<std::size_t>(at - offset)), offset);
    }
  }
  if (first_bad == end) return inner_->read_at(buffer, offset);
  Read r = inner_->read_at(buffer.first(static_cast<std::size_t>(first_bad - offset)), offset);
  if (!r.error) r.error = EIO;
  return r;
}

std::vector<ByteRange> parse_ranges(std::string_view text) {
  std::vector<ByteRange> ranges;
  for (const auto& part : split_list(text)) {
    auto colon = part.find(':');
    if (colon == std::string::npos) throw Error(ErrorKind::options, "bad range '" + part + "' (want OFFSET:LENGTH)");
    ranges.push_back({parse_size(std::string_view(part).substr(0, colon), "range offset"),
                      parse_size(std::string_view(part).substr(colon + 1), "range length")});
  }
  return ranges;
}

}  // namespace trawl::detail

namespace trawl {

std::unique_ptr<Source> open_source(const std::string& path) { return open_source(path, SourceOptions{}); }

std::unique_ptr<Source> open_source(const std::string& path, const SourceOptions& options) {
  if (path.empty()) throw Error(ErrorKind::input, "empty image path");
  std::unique_ptr<Source> source;
  if (path == "-") {
    source = std::make_unique<detail::StreamSource>(STDIN_FILENO, "-");
  } else if (detail::looks_like_ewf(path)) {
    source = detail::EwfSource::open(path, options.decode_threads);
  } else if (detail::split_name(path)) {
    source = detail::SplitSource::open(path);  // also a set of one: then a gap is still detected
  } else {
    source = detail::FileSource::open(path);
  }
  return source;
}

}  // namespace trawl
