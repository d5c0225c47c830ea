#include "host/sinks/feature_sink.hpp"

#include <algorithm>

#include "host/filesystem/file_report.hpp"
#include "host/util/text.hpp"

namespace trawl::detail {

std::string feature_field(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c == 0x7f) {
      static constexpr char digits[] = "0123456789ABCDEF";
      out += std::string("\\x") + digits[c >> 4] + digits[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

FeatureSink::FeatureSink(const IdentifierScanner& scanner, std::filesystem::path folder, std::string image,
                         std::vector<std::string> types, Watchlist watchlist, Emit emit)
    : scanner_(scanner), folder_(std::move(folder)), image_(std::move(image)), types_(std::move(types)),
      watchlist_(std::move(watchlist)), emit_(std::move(emit)) {
  if (!folder_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(folder_, ec);
    if (ec) throw Error(ErrorKind::output, "cannot create " + in_quotes(folder_.string()) + ": " + ec.message());
    // Every feature record, also without --jsonl: the case database reads the normalised forms here.
    records_.open(folder_ / "features.jsonl");
  }
}

std::ofstream& FeatureSink::file_for(const std::string& type) {
  auto& slot = files_[type];
  if (!slot) {
    slot = std::make_unique<std::ofstream>(folder_ / (type + ".txt"), std::ios::trunc);
    if (!*slot) throw Error(ErrorKind::output, "cannot create " + in_quotes((folder_ / (type + ".txt")).string()));
    *slot << "# BANNER FILE NOT PROVIDED (-b option)\n# trawl-Version: " << version() << "\n# Feature-Recorder: " << type
          << "\n# Filename: " << image_ << "\n# Feature-File-Version: 1.1\n";
  }
  return *slot;
}

void FeatureSink::submit(std::uint64_t chunk, std::vector<Feature> features) {
  std::lock_guard lock(mutex_);
  pending_.emplace(chunk, std::move(features));
  for (auto it = pending_.find(next_); it != pending_.end(); it = pending_.find(next_)) {
    write_in_order(it->second);
    pending_.erase(it);
    ++next_;
  }
}

nlohmann::json FeatureSink::record_for(const Feature& f, const Rule& rule, const std::string& path) const {
  const std::string& normalised = f.validation.normalised;
  nlohmann::json record{{"record", "feature"},
                        {"type", rule.type},
                        {"rule", rule.name},
                        {"image", image_},
                        {"path", path},
                        {"offset", f.image_offset},
                        {"length", f.length},
                        {"encoding", to_string(f.encoding)},
                        {"fullwidth", f.fullwidth},
                        {"raw", f.raw},
                        {"normalised", normalised},
                        {"valid", f.valid},
                        {"context", f.context}};
  if (!f.validation.region.empty()) record["region"] = f.validation.region;
  if (!f.validation.number_type.empty()) record["number_type"] = f.validation.number_type;
  if (!f.validation.also_valid_in.empty()) record["also_valid_in"] = f.validation.also_valid_in;
  if (file_map_)
    if (auto context = file_map_->lookup(f.image_offset)) record["fs"] = file_context_json(*context);
  return record;
}

void FeatureSink::record_dropped() {
  std::lock_guard lock(mutex_);
  if (folder_.empty() || dropped_.is_open()) return;
  dropped_.open(folder_ / "dropped.jsonl");
}

void FeatureSink::write_in_order(std::vector<Feature>& features) {
  sort_features(features);
  for (const auto& f : features) {
    const Rule& rule = scanner_.rules()[f.rule];
    if (!types_.empty() && std::find(types_.begin(), types_.end(), rule.type) == types_.end()) continue;
    if (!overlaps_.admit(f, rule.type)) {
      // A range run keeps what its filter dropped in the image's own bytes: the merge replays the
      // filter across the range boundaries (host/merge/merge.hpp).
      if (dropped_.is_open() && f.path.empty())
        dropped_.write_line(record_for(f, rule, forensic_path(f)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      continue;
    }
    const std::string path = forensic_path(f);
    const std::string& normalised = f.validation.normalised;
    ++summary_.counts[rule.type];
    if (!f.valid) ++summary_.invalid_kept;
    else ++histograms_[rule.type][normalised];
    if (!folder_.empty()) file_for(rule.type) << path << '\t' << feature_field(f.raw) << '\t' << f.context << '\n';
    WatchEntry* hit = f.valid ? watchlist_.find(normalised) : nullptr;
    if (hit) {
      ++hit->hits;
      ++summary_.watchlist_hits;
      if (!folder_.empty()) {
        if (!alerts_.is_open()) alerts_.open(folder_ / "alerts.txt", std::ios::trunc);
        alerts_ << path << '\t' << feature_field(hit->value) << '\t' << feature_field(hit->label) << '\t' << feature_field(f.raw) << '\n';
      }
    }
    if (!emit_ && folder_.empty()) continue;
    nlohmann::json record = record_for(f, rule, path);
    if (!folder_.empty()) records_.write_line(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!emit_) continue;
    emit_(record);
    if (hit)
      emit_(nlohmann::json{{"record", "alert"}, {"watchlist", watchlist_.path()}, {"entry", hit->value}, {"label", hit->label},
                           {"type", rule.type}, {"normalised", normalised}, {"image", image_}, {"path", path},
                           {"offset", f.image_offset}, {"raw", f.raw}});
  }
}

void FeatureSink::finish() {
  std::lock_guard lock(mutex_);
  if (!pending_.empty()) throw Error(ErrorKind::internal, "identifier results of some chunks never arrived");
  for (auto& [type, file] : files_) {
    file->flush();
    if (!*file) throw Error(ErrorKind::output, "cannot write the " + type + " feature file (disk full?)");
  }
  if (folder_.empty()) return;
  records_.flush();
  dropped_.flush();
  for (const auto& [type, counts] : histograms_) {
    std::vector<std::pair<std::string, std::uint64_t>> rows(counts.begin(), counts.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::ofstream out(folder_ / (type + "_histogram.txt"), std::ios::trunc);
    for (const auto& [feature, n] : rows) out << "n=" << n << '\t' << feature_field(feature) << '\n';
    if (!out) throw Error(ErrorKind::output, "cannot write the " + type + " histogram");
  }
}

nlohmann::json FeatureSink::summary_json() const {
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [type, n] : summary_.counts) counts[type] = n;
  nlohmann::json distinct = nlohmann::json::object();
  for (const auto& [type, h] : histograms_) distinct[type] = h.size();
  nlohmann::json out{{"rules", scanner_.rules().size()},
                     {"regions", scanner_.validators().regions()},
                     {"counts", counts},
                     {"distinct", distinct},
                     {"invalid_kept", summary_.invalid_kept},
                     {"decoded_streams", summary_.decoded_streams},
                     {"decoded_bytes", summary_.decoded_bytes}};
  if (!watchlist_.empty()) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : watchlist_.entries())
      entries.push_back({{"entry", e.value}, {"label", e.label}, {"normalised", e.normalised}, {"hits", e.hits}});
    out["watchlist"] = {{"file", watchlist_.path()}, {"hits", summary_.watchlist_hits}, {"entries", entries}};
  }
  return out;
}

}  // namespace trawl::detail
