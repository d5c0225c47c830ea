// The carving stage: for each chunk, the backend finds where the selected formats' signatures
// start in the page; each candidate is then walked through its carver (carvers/), reading through
// a bounds-checked ByteView over the Source (random access, so a file may be far longer than a
// chunk), and, when carved, written to OUTPUT/carved/<type>/<offset>.<ext> while its MD5 and
// SHA-256 are computed.
//
// Determinism: a candidate's verdict and length depend only on the image bytes from its offset
// and on the candidates before it (never on the chunk that found it); finish() derives the
// parents from the records sorted by offset, so the outputs do not depend on page size, margin
// or thread count.
#pragma once

#include <filesystem>
#include <map>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "carvers/carver.hpp"
#include "carvers/reassemble.hpp"
#include "host/backend/backend.hpp"
#include "host/filesystem/file_system_map.hpp"
#include "host/modules/stage.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// The carvers named by options.types ("all" = every one), in registry order. Throws
// Error(options) for an unknown name, a bad mode or alignment.
std::vector<const carvers::CarverSpec*> selected_carvers(const CarveOptions& options);

// The signatures of these carvers, compiled for both searchers; format = index in `carvers`.
SignatureSet make_signature_set(const std::vector<const carvers::CarverSpec*>& carvers);

// The margin a chunk needs so that every signature starting in its page lies in its bytes.
std::size_t signature_extent(const std::vector<const carvers::CarverSpec*>& carvers);

// In headers mode, a candidate whose end was not found is carved to at most this many bytes
// (foremost's default maximum for most formats is of this order).
inline constexpr std::uint64_t headers_mode_length = 16ull << 20;

class CarveStage final : public ChunkStage {
 public:
  // `output`: the scan's output folder, or empty to write nothing (records and hashes only).
  CarveStage(const Source& source, Backend& backend, const CarveOptions& options, std::filesystem::path output);
  std::string name() const override { return "carve"; }
  // Chunks arrive on several workers in any order; the candidates of ordered formats (ZIP) are
  // handed to one sequencer thread that walks them in image order (see inner_starts_).
  unsigned workers() const override { return backend_.workers(); }
  bool uses_device() const override { return true; }
  void consume(const Chunk& chunk) override;
  // After the last chunk: the carved files in offset order with their parents, and the tally.
  std::vector<CarvedFile> finish(std::map<std::string, CarveTally>& tally);
  ~CarveStage() override;
  // File-system context (host/filesystem): carved files get the file their first byte lies in;
  // with `unallocated_only`, signature hits inside allocated files are skipped (they are files
  // already). Set before the first chunk.
  // The scan's failure flag: a chunk waiting for room stops waiting once the scan has failed.
  void watch(const Failure& failure) { failure_ = &failure; }
  void attribute_files(const FileSystemMap* map, bool unallocated_only) {
    file_map_ = map;
    unallocated_only_ = map && unallocated_only;
  }

 private:
  // A file the walk accepted, waiting for an output worker to copy and hash it.
  struct OutputJob {
    CarvedFile file;  // everything but md5, sha256
    std::string extension;
  };
  // resident: the chunk's bytes (with their absolute offset), or empty.
  void carve_candidate(std::span<const std::byte> resident, std::uint64_t resident_offset, const SignatureHit& hit);
  void sequencer();
  void output_worker();
  void write_out(OutputJob& job);

  const Source& source_;
  Backend& backend_;
  CarveOptions options_;
  std::filesystem::path output_;                     // empty: nothing is written
  std::uint64_t image_size_;                         // random-access sources know it
  std::vector<const carvers::CarverSpec*> carvers_;  // SignatureHit::format indexes this
  SignatureSet signatures_;
  std::mutex mutex_;
  std::vector<CarvedFile> files_;               // guarded by mutex_; any order until finish()
  std::map<std::string, CarveTally> tally_;     // guarded by mutex_
  // (format, absolute offset) of signature matches that the walk of an earlier candidate of the
  // same format passed over as part of its file (Carve::inner_starts: a ZIP's later members).
  // They are not walked again: an archive of n members costs one walk, not n. Only the sequencer
  // walks these formats, in image order, so whether a match is skipped depends only on the image.
  std::set<std::pair<std::uint16_t, std::uint64_t>> inner_starts_;  // guarded by mutex_
  // Bifragment reassembly (carvers/reassemble.hpp): its options and the bytes all searches of
  // this scan may still examine (a bound for images full of broken headers).
  carvers::ReassembleOptions reassemble_;
  std::atomic<std::int64_t> reassemble_budget_{0};
  // Copying and hashing carved bytes (MD5, SHA-256, the write) is most of carving's work and
  // independent per file: output workers do it while the walk goes on. Bounded queue.
  std::condition_variable jobs_ready_, jobs_room_;
  std::deque<OutputJob> jobs_;  // guarded by mutex_
  bool closing_ = false;        // guarded by mutex_: no more jobs will come
  bool sequencer_closing_ = false;  // guarded by mutex_: no more chunks will post ordered hits
  bool abandon_ = false;            // guarded by mutex_: destroyed without finish() (a failed scan)
  std::exception_ptr output_error_;  // guarded by mutex_: the first failure of an output worker
  std::vector<std::thread> output_threads_;
  // Candidates of ordered formats by chunk index, waiting for the sequencer, which takes chunk
  // k only after chunk k-1 (every chunk posts a list, maybe empty).
  std::map<std::uint64_t, std::vector<SignatureHit>> ordered_hits_;  // guarded by mutex_
  std::condition_variable ordered_ready_;
  // A bound on the hits waiting for the sequencer (an image of ZIP headers makes them faster
  // than it walks them): past it, a chunk other than the one the sequencer needs next waits.
  static constexpr std::size_t max_waiting_hits = 1u << 21;
  std::size_t waiting_hits_ = 0;     // guarded by mutex_: in ordered_hits_ or being walked
  std::uint64_t sequencer_next_ = 0;  // guarded by mutex_: the chunk index the sequencer needs
  std::condition_variable ordered_room_;
  const Failure* failure_ = nullptr;  // a failed scan stops the waiting (its missing chunks never come)
  std::thread sequencer_thread_;
  const FileSystemMap* file_map_ = nullptr;  // null: no file system mapped
  bool unallocated_only_ = false;
};

}  // namespace trawl::detail
