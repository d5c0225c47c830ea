// Where identifier features go: per-type feature files in bulk_extractor's format
// (features/<type>.txt: forensic path, tab, feature, tab, context), histograms by normalised
// form (features/<type>_histogram.txt: n=COUNT<TAB>feature), JSON Lines records (streamed, and
// every feature record also in features/features.jsonl), and watchlist alerts. Chunks finish in any order on many threads; the sink writes them in chunk order, so
// every output is in offset order and the same whatever the chunk size or thread count.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/filesystem/file_system_map.hpp"
#include "host/scanners/identifier_scanner.hpp"
#include "host/scanners/watchlist.hpp"
#include "host/sinks/line_file.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// Feature text for a tab-separated line of a feature file: control bytes as \xHH, backslashes doubled.
std::string feature_field(std::string_view text);

class FeatureSink {
 public:
  using Emit = std::function<void(const nlohmann::json&)>;
  // folder: where features/ goes (empty: no files). emit: JSON Lines records, called in order
  // (empty: no records are built).
  FeatureSink(const IdentifierScanner& scanner, std::filesystem::path folder, std::string image,
              std::vector<std::string> types, Watchlist watchlist, Emit emit);
  // Thread-safe. Every chunk index from 0 up must be submitted exactly once (empty is fine).
  void submit(std::uint64_t chunk, std::vector<Feature> features);
  // A compressed stream was decoded and searched (thread-safe).
  void count_decoded_stream(std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    ++summary_.decoded_streams;
    summary_.decoded_bytes += bytes;
  }
  // Also write the features the overlap filter drops (features/dropped.jsonl): a range run's,
  // for `trawl merge`. Call before the first submit().
  void record_dropped();
  // After the last chunk: histograms and the summary.
  void finish();
  IdentifierSummary summary() const { return summary_; }
  // Records get the file (and its state) each feature lies in. Set before the first submit().
  void attribute_files(const FileSystemMap* map) { file_map_ = map; }
  nlohmann::json summary_json() const;

 private:
  void write_in_order(std::vector<Feature>& features);
  std::ofstream& file_for(const std::string& type);

  const IdentifierScanner& scanner_;
  std::filesystem::path folder_;
  std::string image_;
  std::vector<std::string> types_;  // empty = all
  Watchlist watchlist_;
  Emit emit_;
  std::mutex mutex_;
  std::map<std::uint64_t, std::vector<Feature>> pending_;  // chunks that finished early
  std::uint64_t next_ = 0;                                  // next chunk to write
  OverlapFilter overlaps_;
  std::map<std::string, std::unique_ptr<std::ofstream>> files_;
  std::map<std::string, std::map<std::string, std::uint64_t>> histograms_;  // type -> normalised -> count
  std::ofstream alerts_;
  nlohmann::json record_for(const Feature& f, const Rule& rule, const std::string& path) const;
  LineFile dropped_;   // features/dropped.jsonl (range runs only)
  LineFile records_;  // features/features.jsonl: the feature records, in the order of the .txt files
  IdentifierSummary summary_;
  const FileSystemMap* file_map_ = nullptr;  // null: no file system mapped
};

}  // namespace trawl::detail
