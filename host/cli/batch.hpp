// Many images in one `trawl scan`: a manifest, images side by side, a journal for --resume, and
// a batch summary. One Engine (rules compiled once) serves every image; each image gets its
// own output folder and its own threads, so the backend stays busy while the sequential image
// hashes of several images run at once.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "trawl/trawl.hpp"

namespace trawl::cli {

struct BatchImage {
  std::string image;             // path as given (manifest paths are relative to the manifest)
  std::string label;             // device label from the manifest (else empty: the folder name serves)
  std::string notes;
  std::filesystem::path folder;  // this image's output folder
};

// A manifest is CSV: `label,image,notes` per line (notes optional; "..." quoting as in RFC 4180);
// an optional header line `label,image,notes`; blank lines and lines starting with # are skipped.
// Throws Error(options) naming the line of a malformed entry, Error(input) when it cannot be read.
std::vector<BatchImage> read_manifest(const std::filesystem::path& file);

// Folder names under `out`: the labels (or file names), made safe and unique.
void assign_folders(std::vector<BatchImage>& images, const std::filesystem::path& out, bool single);

struct BatchSettings {
  std::filesystem::path output;  // the batch folder (holds batch.json and journal.jsonl)
  unsigned jobs = 1;             // images scanned at the same time
  std::string progress = "none"; // bar, json or none
  bool jsonl = false;
  bool quiet = false;
  bool resume = false;           // skip images the journal says are done; redo the others
  ByteRange range;
  SourceOptions source;           // how each image is opened (E01 decode threads)
  StopToken stop;                 // every image's scan holds it
};

// Runs every image; returns the worst exit code. `print` shows one image's report (called
// under a lock, after its scan ended).
int run_batch(const Engine& engine, const std::vector<BatchImage>& images, const BatchSettings& settings,
              const std::function<void(const ScanReport&, const std::filesystem::path&)>& print);

// Default for --jobs: a few images side by side, fewer on small machines.
unsigned default_jobs(std::size_t images);

}  // namespace trawl::cli
