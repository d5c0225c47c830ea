#include "host/cli/batch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "host/cli/command_line.hpp"
#include "host/cli/evidence.hpp"
#include "host/cli/progress.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/util/text.hpp"
#include "host/util/unique_fd.hpp"

namespace fs = std::filesystem;

namespace trawl::cli {
namespace {

// One CSV line into fields (RFC 4180 quoting; no line breaks inside fields).
std::vector<std::string> csv_fields(const std::string& line, bool& ok) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  ok = true;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) ok = false;
  for (auto& f : fields) {
    auto b = f.find_first_not_of(" \t\r"), e = f.find_last_not_of(" \t\r");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return fields;
}

// A folder name from a label or file name: letters, digits, '.', '-', '_' kept; the rest '_'.
std::string safe_name(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += (std::isalnum(c) || c == '.' || c == '-' || c == '_') ? static_cast<char>(c) : '_';
  if (out.empty() || out == "." || out == "..") out = "image";
  return out;
}

// What a scan writes into an image folder; a redone image loses exactly these.
void remove_scan_outputs(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    static const std::set<std::string> outputs{"summary.json", "hashes.txt", "trawl.log", "features", "carved",
                                               "known",        "files",      "alerts.txt"};
    if (outputs.count(name) || name.starts_with("blocks.") || name.ends_with(".tmp")) fs::remove_all(entry.path(), ec);
  }
}

// journal.jsonl: one line per image that finished, appended and synced before the next one is
// counted done. A line cut short by a crash is ignored.
class Journal {
 public:
  explicit Journal(const fs::path& path) : path_(path) {}
  std::set<std::string> done_folders() const {
    std::set<std::string> done;
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("status", "") == "done" && j.contains("folder")) done.insert(j["folder"].get<std::string>());
    }
    return done;
  }
  void append(const nlohmann::json& entry) {
    std::lock_guard lock(mutex_);
    detail::UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) throw Error(ErrorKind::output, "cannot write the journal " + detail::in_quotes(path_.string()));
    std::string line = entry.dump() + "\n";
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd.get()) != 0)
      throw Error(ErrorKind::output, "cannot write the journal " + detail::in_quotes(path_.string()) + " (disk full?)");
  }

 private:
  fs::path path_;
  std::mutex mutex_;
};

// Progress of all running images as one bar; records and notices of concurrent images, whole
// lines at a time; notices name the image.
class BatchDisplay {
 public:
  BatchDisplay(const BatchSettings& s, std::uint64_t total) : view_(s.progress, s.jsonl, s.quiet), total_(total) {}
  void add_done(std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    finished_ += bytes;
    view_.on_progress(finished_, total_);
  }
  void progress(std::size_t slot, std::uint64_t done) {
    std::lock_guard lock(mutex_);
    running_[slot] = done;
    std::uint64_t sum = finished_;
    for (auto& [s, d] : running_) sum += d;
    view_.on_progress(std::min(sum, total_), total_);
  }
  void end_image(std::size_t slot) {
    std::lock_guard lock(mutex_);
    running_.erase(slot);
  }
  void record(std::string_view line) {
    std::lock_guard lock(mutex_);
    view_.on_record(line);
  }
  void notice(const std::string& message) {
    std::lock_guard lock(mutex_);
    view_.on_notice(message);
  }
  bool wants_records() const { return view_.wants_records(); }
  template <class F>
  void locked(F&& f) {
    std::lock_guard lock(mutex_);
    view_.finish();
    f();
  }

 private:
  CliObserver view_;
  std::uint64_t total_;
  std::uint64_t finished_ = 0;
  std::map<std::size_t, std::uint64_t> running_;
  std::mutex mutex_;
};

class ImageObserver final : public Observer {
 public:
  ImageObserver(BatchDisplay& display, std::size_t slot, std::string prefix)
      : display_(display), slot_(slot), prefix_(std::move(prefix)) {}
  void on_progress(std::uint64_t done, std::optional<std::uint64_t>) override { display_.progress(slot_, done); }
  void on_record(std::string_view line) override { display_.record(line); }
  bool wants_records() const override { return display_.wants_records(); }
  void on_notice(std::string_view message) override { display_.notice(prefix_ + std::string(message)); }

 private:
  BatchDisplay& display_;
  std::size_t slot_;
  std::string prefix_;
};

}  // namespace

std::vector<BatchImage> read_manifest(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::input, "cannot read the manifest " + detail::in_quotes(file.string()));
  std::vector<BatchImage> images;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    bool ok = true;
    auto fields = csv_fields(line, ok);
    const std::string where = file.string() + " line " + std::to_string(number);
    if (!ok) throw Error(ErrorKind::options, "manifest " + where + ": unterminated quote");
    if (images.empty() && fields.size() >= 2 && fields[0] == "label" && fields[1] == "image") continue;  // header
    if (fields.size() < 2 || fields.size() > 3 || fields[0].empty() || fields[1].empty())
      throw Error(ErrorKind::options, "manifest " + where + ": expected label,image[,notes]");
    fs::path image = fields[1];
    if (image.is_relative() && fields[1] != "-") image = file.parent_path() / image;
    images.push_back({image.string(), fields[0], fields.size() > 2 ? fields[2] : "", {}});
  }
  if (images.empty()) throw Error(ErrorKind::options, "manifest " + detail::in_quotes(file.string()) + " names no image");
  return images;
}

void assign_folders(std::vector<BatchImage>& images, const fs::path& out, bool single) {
  std::set<std::string> used;
  for (auto& image : images) {
    std::string name = safe_name(!image.label.empty() ? image.label
                                 : image.image == "-" ? "stdin"
                                                      : fs::path(image.image).filename().string());
    if (single) {
      image.folder = out;
      continue;
    }
    std::string unique = name;
    for (int n = 2; used.count(unique); ++n) unique = name + "-" + std::to_string(n);
    used.insert(unique);
    image.folder = out / unique;
  }
}

unsigned default_jobs(std::size_t images) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned jobs = std::clamp(cores / 4, 2u, 8u);
  return static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(images, 1)));
}

int run_batch(const Engine& engine, const std::vector<BatchImage>& images, const BatchSettings& settings,
              const std::function<void(const ScanReport&, const fs::path&)>& print) {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  const bool several = images.size() > 1;
  std::error_code ec;
  fs::create_directories(settings.output, ec);
  Journal journal(settings.output / "journal.jsonl");
  // Done images: in a batch, those the journal lists; a single image is its own folder, done
  // when its summary says the pass completed.
  std::set<std::string> done;
  if (settings.resume && several) done = journal.done_folders();
  if (settings.resume && !several) {
    std::ifstream in(settings.output / "summary.json");
    auto summary = nlohmann::json::parse(in, nullptr, false);
    if (summary.is_object() && !summary.value("interrupted", true)) done.insert(".");
  }

  // Sizes for one progress bar over the whole batch (streams count as 0).
  std::uint64_t total = 0;
  for (const auto& image : images) {
    std::error_code size_ec;
    if (image.image != "-" && fs::is_regular_file(image.image, size_ec)) total += fs::file_size(image.image, size_ec);
  }
  BatchDisplay display(settings, total);

  struct Outcome {
    std::string status = "not run";  // done, resumed (done before), failed, interrupted, not run
    int exit_code = 0;
    std::string error;
    nlohmann::json summary;
  };
  std::vector<Outcome> outcomes(images.size());
  std::mutex outcomes_mutex;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> halt{false};  // a usage error or an interrupt: start no more images

  auto write_batch_summary = [&] {
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < images.size(); ++i) {
      const auto& o = outcomes[i];
      nlohmann::json entry{{"label", images[i].label},  {"image", images[i].image}, {"notes", images[i].notes},
                           {"folder", images[i].folder.lexically_relative(settings.output).string()},
                           {"status", o.status},        {"exit_code", o.exit_code}};
      if (!o.error.empty()) entry["error"] = o.error;
      if (o.summary.is_object()) {
        entry["size"] = o.summary["image"].value("size", 0ull);
        entry["hashes"] = o.summary.value("hashes", nlohmann::json::object());
        if (o.summary.contains("timings")) entry["wall_s"] = o.summary["timings"].value("wall_s", 0.0);
      }
      list.push_back(entry);
    }
    nlohmann::json batch{{"schema", "trawl-batch"},
                         {"schema_version", 1},
                         {"images", list},
                         {"jobs", settings.jobs},
                         {"wall_s", std::chrono::duration<double>(clock::now() - started).count()}};
    detail::write_file_atomically(settings.output / "batch.json", batch.dump(2) + "\n");
  };

  auto work = [&](std::size_t slot) {
    for (std::size_t i = next++; i < images.size() && !halt.load(); i = next++) {
      const auto& image = images[i];
      const std::string folder_key = image.folder.lexically_relative(settings.output).string();
      Outcome outcome;
      if (done.count(folder_key) && fs::exists(image.folder / "summary.json", ec)) {
        std::ifstream in(image.folder / "summary.json");
        outcome.summary = nlohmann::json::parse(in, nullptr, false);
        outcome.status = "done before";
        outcome.exit_code = outcome.summary.is_object() ? outcome.summary.value("exit_code", 0) : 0;
        display.add_done(outcome.summary.is_object() ? outcome.summary["image"].value("size", 0ull) : 0);
      } else {
        try {
          if (settings.resume) remove_scan_outputs(image.folder);
          auto source = cli::open_evidence(image.image, settings.source);
          ImageObserver observer(display, slot, several ? image.folder.filename().string() + ": " : "");
          ImageJob job{image.folder, image.label, image.notes, settings.range, settings.stop};
          auto report = engine.scan(*source, job, &observer);
          display.end_image(slot);
          display.add_done(report.range.length);
          outcome.exit_code = static_cast<int>(report.exit_code());
          outcome.status = report.interrupted ? "interrupted" : "done";
          std::ifstream in(image.folder / "summary.json");
          outcome.summary = nlohmann::json::parse(in, nullptr, false);
          if (!settings.jsonl && !settings.quiet) display.locked([&] { print(report, image.folder); });
          if (report.interrupted) halt.store(true);
          else if (several) journal.append({{"folder", folder_key}, {"image", image.image}, {"status", "done"}, {"exit_code", outcome.exit_code}});
        } catch (const Error& e) {
          display.end_image(slot);
          outcome.status = "failed";
          outcome.exit_code = static_cast<int>(exit_code_of(e.kind()));
          outcome.error = in_flag_terms(e.what());
          const std::string who = several ? image.folder.filename().string() + ": " : "";
          display.locked([&] { std::fprintf(stderr, "trawl: %s%s\n", who.c_str(), outcome.error.c_str()); });
          if (e.kind() == ErrorKind::options) halt.store(true);  // the same options would fail for every image
        }
      }
      std::lock_guard lock(outcomes_mutex);
      outcomes[i] = std::move(outcome);
      if (several) write_batch_summary();
    }
  };
  std::vector<std::thread> workers;
  const unsigned jobs = std::max(1u, std::min<unsigned>(settings.jobs, static_cast<unsigned>(images.size())));
  for (unsigned w = 1; w < jobs; ++w) workers.emplace_back(work, w);
  work(0);
  for (auto& t : workers) t.join();
  display.locked([] {});
  if (several) write_batch_summary();

  int worst = 0;
  for (const auto& o : outcomes) worst = std::max(worst, o.exit_code);
  return worst;
}

}  // namespace trawl::cli
