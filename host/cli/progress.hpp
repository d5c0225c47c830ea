// What the CLI shows while a scan runs: a progress bar on a terminal, JSON progress lines for
// programs, JSON Lines records on stdout, notices on stderr.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "trawl/trawl.hpp"

namespace trawl::cli {

class CliObserver final : public Observer {
 public:
  // progress: "bar", "json" or "none".
  CliObserver(std::string progress, bool jsonl, bool quiet)
      : progress_(std::move(progress)), jsonl_(jsonl), quiet_(quiet), started_(std::chrono::steady_clock::now()) {}

  void on_progress(std::uint64_t done, std::optional<std::uint64_t> total) override {
    if (progress_ == "none") return;
    auto now = std::chrono::steady_clock::now();
    bool final = total && done >= *total;
    if (!final && now - last_ < (progress_ == "bar" ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000))) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - started_).count();
    double rate = seconds > 0 ? done / seconds : 0;  // bytes per second
    double eta = total && rate > 0 ? (*total - done) / rate : -1;
    if (progress_ == "json") {
      std::fprintf(stderr, "{\"progress\":{\"bytes\":%llu,\"total\":%s,\"GBps\":%.3f,\"eta_s\":%.1f}}\n",
                   static_cast<unsigned long long>(done), total ? std::to_string(*total).c_str() : "null", rate / 1e9, eta);
      return;
    }
    bar_shown_ = true;
    if (total && *total > 0) {
      int width = 30, filled = static_cast<int>(width * static_cast<double>(done) / static_cast<double>(*total));
      std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %.2f / %.2f GB  %.2f GB/s  ETA %2d:%02d ", filled,
                   "##############################", width - filled, "", 100.0 * done / *total, done / 1e9, *total / 1e9,
                   rate / 1e9, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    } else {
      std::fprintf(stderr, "\r%.2f GB  %.2f GB/s ", done / 1e9, rate / 1e9);
    }
    std::fflush(stderr);
  }

  void on_record(std::string_view line) override {
    if (!jsonl_) return;
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // a pipeline sees each record as it comes, and whole lines only
  }

  bool wants_records() const override { return jsonl_; }

  void on_notice(std::string_view message) override {
    if (quiet_) return;
    clear_bar();
    std::fprintf(stderr, "trawl: %.*s\n", static_cast<int>(message.size()), message.data());
  }

  void finish() { clear_bar(); }

 private:
  void clear_bar() {
    if (!bar_shown_) return;
    std::fprintf(stderr, "\r%*s\r", 90, "");
    bar_shown_ = false;
  }
  std::string progress_;
  bool jsonl_;
  bool quiet_;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace trawl::cli
