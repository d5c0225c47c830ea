// Stage modules: every capability of a scan (file systems, identifiers, image and block hashes,
// carving, known files, file hashes, ...) behind one interface, listed in one registry. The engine
// (host/pipeline/scan.cpp) is a loop over the registry that no new capability needs to edit:
//
//   Engine(options)   for each registered module that the options want: make(options) — checks
//                     its options, compiles rules, opens stores, once for every image of a batch;
//   scan(source)      start(run) per module in registry order (a ModuleRun: its chunk stages),
//                     the pass (every chunk to every stage), then finish(run) per module (results
//                     into the report), then publish(run, summary) per module (output files,
//                     records for the observer, its sections of summary.json).
//
// Modules never include each other: what one module makes for others (the file-system map, the
// image-hash chains, ...) is a named service of the run, which the module that provides it
// publishes in start() and the others look up. A module declares the services it provides and
// needs; the registry checks that every provider starts before the modules that need it.
#pragma once

#include <any>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/modules/stage.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/sinks/summary.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// Services a module may provide to the modules after it, by name.
namespace service {
inline constexpr const char* file_system_map = "file-system-map";  // const FileSystemMap*: files of the image
inline constexpr const char* image_chains = "image-chains";  // const std::vector<HashAlgorithm>*: whole-image hashes running
}  // namespace service

// What a module sees of the scan it takes part in. One per scan; modules run their start, finish
// and publish on the engine's thread, one at a time.
class RunContext {
 public:
  RunContext(const ScanOptions& options, const ImageJob& job, const Source& source, Backend& backend, ScanReport& report,
             RunLog& log, Observer* observer, const Failure& failure, const RunTimes& times)
      : options(options),
        job(job),
        source(source),
        backend(backend),
        report(report),
        log(log),
        observer(observer),
        failure(failure),
        times(times) {}

  const ScanOptions& options;  // the engine's, with this image's output folder
  const ImageJob& job;
  const Source& source;
  Backend& backend;
  ScanReport& report;
  RunLog& log;
  Observer* observer;  // null: nobody listens
  const Failure& failure;
  const RunTimes& times;

  bool writes() const { return !options.output.empty(); }
  // A --range run: part of the image only (no image or file hashes).
  bool ranged() const { return job.range.offset > 0 || job.range.length > 0; }
  // A line for the log and the observer's console.
  void notify(const std::string& message);
  // A JSON Lines record for the observer, when there is one.
  void emit(const nlohmann::json& record);

  // Services: a module's start() provides them for the modules that start after it.
  template <class T>
  void provide(const std::string& name, const T* service) {
    services_[name] = service;
  }
  // Null when no module provides it in this scan (a file system that was not mapped, say).
  template <class T>
  const T* find(const std::string& name) const {
    auto it = services_.find(name);
    return it == services_.end() ? nullptr : std::any_cast<const T*>(it->second);
  }

 private:
  std::map<std::string, std::any> services_;
};

// One module's part in one scan.
class ModuleRun {
 public:
  virtual ~ModuleRun() = default;
  // The stages that see every chunk of the pass; they live as long as this object.
  virtual std::vector<ChunkStage*> stages() { return {}; }
  // After the pass (run.report.interrupted says whether it was complete): results into the report.
  virtual void finish(RunContext& /*run*/) {}
  // After every module finished: output files, records for the observer, summary.json sections.
  virtual void publish(RunContext& /*run*/, nlohmann::json& /*summary*/) {}
};

// A capability, set up once per Engine for every image it scans (possibly several at a time).
class Module {
 public:
  virtual ~Module() = default;
  virtual std::unique_ptr<ModuleRun> start(RunContext& run) const = 0;
};

// A module with nothing to set up per engine: each scan's part is a Run made from the run alone.
template <class Run>
class ModuleOf final : public Module {
 public:
  std::unique_ptr<ModuleRun> start(RunContext& run) const override { return std::make_unique<Run>(run); }
};

struct ModuleSpec {
  std::string name;
  // Position in a scan: modules start, finish and publish in this order (records and files
  // appear in it); a provider of a service comes before the modules that need it.
  int order = 0;
  std::vector<std::string> provides, needs;  // service names
  std::function<bool(const ScanOptions&)> wanted;
  // Checks the options (throwing Error(options) with a one-line reason) and sets the module up.
  std::function<std::unique_ptr<Module>(const ScanOptions&)> make;
};

// The registered modules in order: the built-in ones and any added with ModuleRegistration.
// Throws Error(internal) when a service a module needs is provided only by a later one.
std::vector<ModuleSpec> registered_modules();

// Adds a module for as long as it lives (a library user's own capability, a test's).
class ModuleRegistration {
 public:
  explicit ModuleRegistration(ModuleSpec spec);
  ~ModuleRegistration();
  ModuleRegistration(ModuleRegistration&&) = delete;  // and so no copy either

 private:
  std::string name_;
};

// The built-in modules (one .cpp each in host/modules).
ModuleSpec filesystem_module();
ModuleSpec identifier_module();
ModuleSpec image_hash_module();
ModuleSpec block_hash_module();
ModuleSpec carve_module();
ModuleSpec known_module();
ModuleSpec file_hash_module();

}  // namespace trawl::detail
