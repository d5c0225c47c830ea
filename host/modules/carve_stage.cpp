#include "host/modules/carve_stage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>

#include "host/hashing/evp.hpp"
#include "host/sinks/carve_report.hpp"
#include "host/util/text.hpp"
#include "host/util/unique_fd.hpp"

namespace trawl::detail {
namespace {

std::vector<SignatureSet::Entry> signature_entries(const std::vector<const carvers::CarverSpec*>& carvers) {
  std::vector<SignatureSet::Entry> entries;
  for (std::size_t f = 0; f < carvers.size(); ++f)
    for (const auto& s : carvers[f]->signatures) entries.push_back({static_cast<std::uint16_t>(f), s.bytes, s.mask, s.offset, s.align});
  return entries;
}

void write_all(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorKind::output, "cannot write " + in_quotes(path.string()) + ": " + errno_text(errno));
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

// The verdict a reported file carries: a walk's (never not_this_format, which is not reported).
CarveVerdict reported_verdict(carvers::Verdict v) {
  switch (v) {
    case carvers::Verdict::valid: return CarveVerdict::valid;
    case carvers::Verdict::truncated: return CarveVerdict::truncated;
    case carvers::Verdict::corrupt:
    case carvers::Verdict::not_this_format: break;
  }
  return CarveVerdict::corrupt;
}

}  // namespace

std::vector<const carvers::CarverSpec*> selected_carvers(const CarveOptions& o) {
  if (o.align == 0) throw Error(ErrorKind::options, "CarveOptions::align must be at least 1");
  if (o.reassemble && o.max_gap < 512) throw Error(ErrorKind::options, "CarveOptions::max_gap must be at least 512 (one sector)");
  std::vector<const carvers::CarverSpec*> out;
  for (const auto& name : o.types) {
    if (name == "all") {
      out.assign(carvers::all_carvers().begin(), carvers::all_carvers().end());
      continue;
    }
    const auto* spec = carvers::find_carver(name);
    if (!spec) {
      std::string known;
      for (const auto* s : carvers::all_carvers()) known += (known.empty() ? "" : ",") + std::string(s->type);
      throw Error(ErrorKind::options, "CarveOptions::types: unknown type '" + name + "' (known: " + known + ", all, none)");
    }
    if (std::find(out.begin(), out.end(), spec) == out.end()) out.push_back(spec);
  }
  // Registry order, whatever order the names came in: the format numbers stay stable.
  std::vector<const carvers::CarverSpec*> ordered;
  for (const auto* spec : carvers::all_carvers())
    if (std::find(out.begin(), out.end(), spec) != out.end()) ordered.push_back(spec);
  return ordered;
}

SignatureSet make_signature_set(const std::vector<const carvers::CarverSpec*>& carvers) {
  auto entries = signature_entries(carvers);
  return SignatureSet(entries);
}

std::size_t signature_extent(const std::vector<const carvers::CarverSpec*>& carvers) {
  std::size_t extent = 0;
  for (const auto* c : carvers)
    for (const auto& s : c->signatures) extent = std::max<std::size_t>(extent, s.offset + s.bytes.size());
  return extent;
}

CarveStage::CarveStage(const Source& source, Backend& backend, const CarveOptions& options, std::filesystem::path output)
    : source_(source),
      backend_(backend),
      options_(options),
      output_(std::move(output)),
      image_size_(source.size().value_or(0)),
      carvers_(selected_carvers(options)),
      signatures_(make_signature_set(carvers_)) {
  for (const auto* c : carvers_) tally_[std::string(c->type)];
  reassemble_.max_gap = options_.max_gap;
  // All searches of one scan together: 4 GiB plus 16 bytes per image byte, more than an image of
  // real files needs (the 1 GiB test corpus: 294 searches of at most 32 MiB), so results depend
  // on the image alone; only a hostile image reaches it, and then which files were searched may
  // depend on thread timing (summary: reassembly_skipped).
  reassemble_budget_ = static_cast<std::int64_t>(std::min<std::uint64_t>((4ull << 30) + 16 * image_size_, INT64_MAX / 4));
  const unsigned outputs = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < outputs; ++i) output_threads_.emplace_back([this] { output_worker(); });
  sequencer_thread_ = std::thread([this] { sequencer(); });
}

void CarveStage::sequencer() {
  std::uint64_t next = 0;
  // The chunks are gone by now: the bytes around the candidates are read once into a window
  // that candidates close together share. Without it each candidate's view read its own 256 KiB
  // cache block: a "PK\3\4" every 4 bytes cost 64 KiB of reading per image byte.
  constexpr std::size_t window_size = 4 << 20, window_reach = 1 << 20;
  const auto window = std::make_unique_for_overwrite<std::byte[]>(window_size);
  std::size_t window_len = 0;
  std::uint64_t window_offset = 0;
  for (;;) {
    std::vector<SignatureHit> hits;
    {
      std::unique_lock lock(mutex_);
      ordered_ready_.wait(lock, [&] { return ordered_hits_.count(next) || sequencer_closing_; });
      if (ordered_hits_.empty()) return;  // closing, and nothing left
      // In order; after a stop or a failure some chunks never come: then the rest, still in order.
      auto it = ordered_hits_.count(next) ? ordered_hits_.find(next) : ordered_hits_.begin();
      next = it->first + 1;
      sequencer_next_ = next;
      hits = std::move(it->second);
      ordered_hits_.erase(it);
    }
    ordered_room_.notify_all();  // the chunk it needs next may post now
    for (const auto& hit : hits) {
      {
        std::lock_guard lock(mutex_);
        if (abandon_) return;
      }
      // The window must reach 1 MiB past the hit, or the image's end (a window cut short there
      // serves every hit after it: near the end each hit used to read the window again).
      const std::uint64_t reach = std::min<std::uint64_t>(hit.offset + window_reach, std::max(image_size_, hit.offset));
      if (hit.offset < window_offset || reach > window_offset + window_len) {
        // Bytes it cannot read come from the source, through the view.
        window_len = source_.read_at(std::span(window.get(), window_size), hit.offset).bytes;
        window_offset = hit.offset;
      }
      try {
        carve_candidate(std::span<const std::byte>(window.get(), window_len), window_offset, hit);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!output_error_) output_error_ = std::current_exception();
      }
    }
    {
      std::lock_guard lock(mutex_);
      waiting_hits_ -= hits.size();
    }
    ordered_room_.notify_all();
  }
}

CarveStage::~CarveStage() {
  {
    std::lock_guard lock(mutex_);
    sequencer_closing_ = true;
    closing_ = true;
    abandon_ = true;
    ordered_hits_.clear();
  }
  // After finish() all threads are joined already; otherwise (a failed scan) they stop where
  // they are: waiters are woken, queued work is dropped.
  ordered_ready_.notify_all();
  ordered_room_.notify_all();
  jobs_ready_.notify_all();
  jobs_room_.notify_all();
  if (sequencer_thread_.joinable()) sequencer_thread_.join();
  for (auto& t : output_threads_)
    if (t.joinable()) t.join();
}

void CarveStage::output_worker() {
  for (;;) {
    OutputJob job;
    {
      std::unique_lock lock(mutex_);
      jobs_ready_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty() || abandon_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    jobs_room_.notify_one();
    try {
      write_out(job);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!output_error_) output_error_ = std::current_exception();
      continue;
    }
    std::lock_guard lock(mutex_);
    files_.push_back(std::move(job.file));
  }
}

void CarveStage::consume(const Chunk& chunk) {
  // The page in slices of 4 MiB (each with the bytes its signatures reach past it): the hits of
  // one search stay bounded when every few bytes start a signature. Same hits, in order.
  constexpr std::size_t slice = 4 << 20;
  const auto data = chunk.data();
  const auto resident = chunk.with_lookbehind();
  std::vector<SignatureHit> ordered;
  for (std::size_t from = 0; from < chunk.page_len; from += slice) {
    const std::size_t len = std::min(slice, chunk.page_len - from);
    const SignatureQuery query{data.subspan(from, std::min(data.size() - from, len + signatures_.extent())), len,
                               chunk.offset + from, options_.align};
    for (const auto& hit : backend_.find_signatures(signatures_, query, chunk.device.get())) {
      if (unallocated_only_ && file_map_->in_allocated_file(hit.offset)) continue;
      if (carvers_.at(hit.format)->ordered)
        ordered.push_back(hit);
      else
        carve_candidate(resident, chunk.offset - chunk.before_len, hit);
    }
  }
  {
    // Room for them: always for the chunk the sequencer needs next (it cannot wait for itself);
    // others wait while too many hits are queued. Waiting ends if the scan fails (then chunks
    // may never come) or the stage closes.
    std::unique_lock lock(mutex_);
    while (waiting_hits_ >= max_waiting_hits && chunk.index > sequencer_next_ && !abandon_ && !sequencer_closing_ &&
           !(failure_ && failure_->failed()))
      ordered_room_.wait_for(lock, std::chrono::milliseconds(100));
    waiting_hits_ += ordered.size();
    ordered_hits_[chunk.index] = std::move(ordered);
  }
  ordered_ready_.notify_one();
}

void CarveStage::carve_candidate(std::span<const std::byte> resident, std::uint64_t resident_offset, const SignatureHit& hit) {
  const auto& spec = *carvers_.at(hit.format);
  {
    std::lock_guard lock(mutex_);
    if (inner_starts_.erase({hit.format, hit.offset})) {
      ++tally_[std::string(spec.type)].hits;
      return;
    }
  }
  const std::uint64_t limit = options_.max_size ? std::min(options_.max_size, spec.max_size) : spec.max_size;
  const std::uint64_t available = image_size_ > hit.offset ? image_size_ - hit.offset : 0;
  carvers::ByteView view(source_, hit.offset, std::min(available, limit), resident, resident_offset, limit < available);
  carvers::Carve carve = carvers::carve(spec, view);
  const std::string type(spec.type);
  // A walk that broke partway: maybe a file in two pieces (carvers/reassemble.hpp). Only a file
  // that starts on a sector boundary: a file system stores a file from the start of a cluster,
  // and a header elsewhere is inside something else (a gzip member inside a ZIP's data), whose
  // pieces are its container's. This also keeps a hostile image (a header every few bytes) from
  // starting a search at each one.
  std::vector<ByteRange> runs;
  bool searched = false, skipped = false;
  if (options_.reassemble && carve.verdict == carvers::Verdict::corrupt && carvers::can_reassemble(spec) &&
      hit.offset % reassemble_.sector == 0) {
    auto r = carvers::reassemble(spec, view, carve, reassemble_, &reassemble_budget_);
    searched = true;
    skipped = r.out_of_budget;
    if (r.carve) {
      carve = std::move(*r.carve);
      runs = std::move(r.runs);
    }
  }
  // A position in the file, as an image offset (through the pieces of a reassembled file).
  auto absolute = [&](std::uint64_t pos) {
    for (const auto& run : runs) {
      if (pos < run.length) return run.offset + pos;
      pos -= run.length;
    }
    return hit.offset + pos;
  };
  {
    std::lock_guard lock(mutex_);
    for (auto inner : carve.inner_starts)
      if (inner > 0) inner_starts_.insert({hit.format, absolute(inner)});
    auto& t = tally_[type];
    t.reassembly_tried += searched;
    t.reassembly_skipped += skipped;
    t.reassembled += !runs.empty();
    ++t.hits;
    if (carve.verdict == carvers::Verdict::valid) ++t.valid;
    if (carve.verdict == carvers::Verdict::truncated) ++t.truncated;
    if (carve.verdict == carvers::Verdict::corrupt) ++t.corrupt;
  }
  if (carve.verdict == carvers::Verdict::not_this_format) return;
  std::uint64_t length = carve.length;
  if (options_.mode == CarveMode::validated) {
    if (carve.verdict != carvers::Verdict::valid) return;
  } else if (carve.verdict != carvers::Verdict::valid) {
    // Headers mode, foremost-like: what a walk could not close is carved to a fixed maximum.
    length = std::min(length ? length : view.size(), headers_mode_length);
  }
  if (length == 0) return;
  OutputJob job;
  job.file.offset = hit.offset;
  job.file.length = length;
  job.file.type = spec.type;
  job.file.subtype = carve.subtype.empty() ? spec.type : carve.subtype;
  job.file.verdict = reported_verdict(carve.verdict);
  job.file.note = carve.note;
  job.file.runs = std::move(runs);
  job.file.reassembled = !job.file.runs.empty();
  job.extension = carve.extension.empty() ? spec.extension : carve.extension;
  std::unique_lock lock(mutex_);
  if (output_error_) std::rethrow_exception(output_error_);
  auto& t = tally_[type];
  ++t.carved;
  t.bytes += length;
  jobs_room_.wait(lock, [&] { return abandon_ || jobs_.size() < 64; });
  if (abandon_) return;  // the scan failed: nobody will take the job
  jobs_.push_back(std::move(job));
  lock.unlock();
  jobs_ready_.notify_one();
}

void CarveStage::write_out(OutputJob& job) {
  CarvedFile& f = job.file;
  UniqueFd fd;
  std::filesystem::path path;
  if (!output_.empty()) {
    f.file = "carved/" + f.type + "/" + std::to_string(f.offset) + "." + job.extension;
    path = output_ / f.file;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    fd = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw Error(ErrorKind::output, "cannot create " + in_quotes(path.string()) + ": " + errno_text(errno));
  }
  // Exactly the file's bytes, read from the Source in pieces (the chunk that found the file may
  // be gone by now; the walk has just brought these bytes into the page cache).
  constexpr std::size_t piece = 1 << 20;
  thread_local std::unique_ptr<std::byte[]> buffer = std::make_unique_for_overwrite<std::byte[]>(piece);
  EvpContext md5(evp_md(HashAlgorithm::md5)), sha256(evp_md(HashAlgorithm::sha256));
  // A reassembled file: its pieces one after the other.
  const std::vector<ByteRange> runs = f.runs.empty() ? std::vector<ByteRange>{{f.offset, f.length}} : f.runs;
  for (const auto& run : runs) {
    for (std::uint64_t done = 0; done < run.length;) {
      const std::span<std::byte> want(buffer.get(), static_cast<std::size_t>(std::min<std::uint64_t>(piece, run.length - done)));
      std::size_t got = source_.read_at(want, run.offset + done).bytes;
      // An unreadable sector (the walk may not have touched every byte): zero-filled sector by
      // sector, as the Reader does, and said in the file's note.
      while (got < want.size()) {
        const auto sector = want.subspan(got, std::min<std::size_t>(512, want.size() - got));
        const auto r = source_.read_at(sector, run.offset + done + got);
        if (r.bytes < sector.size()) {
          std::memset(sector.data() + r.bytes, 0, sector.size() - r.bytes);
          if (f.note.find("zero-filled") == std::string::npos) f.note += (f.note.empty() ? "" : "; ") + std::string("unreadable bytes zero-filled");
        }
        got += sector.size();
      }
      md5.update(want);
      sha256.update(want);
      if (fd) {
        try {
          write_all(fd.get(), want, path);
        } catch (const Error&) {
          ::unlink(path.c_str());  // a carved file is whole or absent (disk full, I/O error)
          throw;
        }
      }
      done += want.size();
    }
  }
  unsigned char digest[64];
  f.md5 = to_hex(std::span<const unsigned char>(digest, md5.final(digest)));
  f.sha256 = to_hex(std::span<const unsigned char>(digest, sha256.final(digest)));
}

std::vector<CarvedFile> CarveStage::finish(std::map<std::string, CarveTally>& tally) {
  // Every chunk has been consumed: the sequencer drains what is left, then the output workers.
  {
    std::lock_guard lock(mutex_);
    sequencer_closing_ = true;
  }
  ordered_ready_.notify_all();
  if (sequencer_thread_.joinable()) sequencer_thread_.join();
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  jobs_ready_.notify_all();
  for (auto& t : output_threads_)
    if (t.joinable()) t.join();
  std::lock_guard lock(mutex_);
  if (output_error_) std::rethrow_exception(output_error_);
  std::sort(files_.begin(), files_.end(), [](const CarvedFile& a, const CarvedFile& b) {
    return std::tie(a.offset, a.type) < std::tie(b.offset, b.type);
  });
  assign_parents(files_, tally_);
  if (file_map_)
    for (auto& f : files_) f.fs = file_map_->lookup(f.offset);
  tally = tally_;
  return std::move(files_);
}

}  // namespace trawl::detail
