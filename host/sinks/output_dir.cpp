#include "host/sinks/output_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "host/util/text.hpp"
#include "host/util/unique_fd.hpp"
#include "trawl/trawl.hpp"

namespace fs = std::filesystem;

namespace trawl::detail {
namespace {

bool is_inside(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i)
    if (i == inner.end() || *i != *o) return false;
  return true;
}

}  // namespace

std::vector<std::string> prepare_output_dir(const fs::path& dir, bool force, const std::vector<std::string>& evidence_paths) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (fs::exists(status) && !fs::is_directory(status))
    throw Error(ErrorKind::output, "output " + in_quotes(dir.string()) + " exists and is not a folder");
  // Evidence stays untouched: results inside an evidence file's folder are refused before
  // anything is created there, unless the user forces it (then a warning says so).
  std::vector<std::string> warnings;
  const fs::path out = fs::weakly_canonical(dir, ec);
  for (const auto& evidence : evidence_paths) {
    if (evidence == "-") continue;
    fs::path folder = fs::weakly_canonical(fs::path(evidence), ec).parent_path();
    if (ec || folder.empty() || folder == "/dev") continue;
    if (is_inside(out, folder)) {
      const std::string where = "output folder " + in_quotes(dir.string()) + " is inside the evidence folder " + in_quotes(folder.string());
      if (!force) throw Error(ErrorKind::output, where + "; set ScanOptions::force to write there anyway");
      warnings.push_back(where + "; keep results apart from evidence");
      break;
    }
  }
  if (fs::exists(status)) {
    if (!force && !fs::is_empty(dir, ec))
      throw Error(ErrorKind::output,
                  "output folder " + in_quotes(dir.string()) + " is not empty (set ScanOptions::force to write into it)");
  } else if (!fs::create_directories(dir, ec) && ec) {
    throw Error(ErrorKind::output, "cannot create output folder " + in_quotes(dir.string()) + ": " + ec.message());
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error(ErrorKind::output, "cannot write to output folder " + in_quotes(dir.string()) + ": " + errno_text(errno));

  return warnings;
}

RunLog::RunLog(const fs::path& path) : out_(path, std::ios::app) {
  if (!out_) throw Error(ErrorKind::output, "cannot open log " + in_quotes(path.string()));
}

void RunLog::write(std::string_view level, std::string_view message) {
  std::lock_guard lock(mutex_);
  if (!out_.is_open()) return;
  out_ << utc_now() << ' ' << level << ' ' << message << '\n';
  out_.flush();
}

std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace trawl::detail
