#include "host/known/block_db.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#include "host/hashing/evp.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

namespace fs = std::filesystem;

constexpr char db_magic[8] = {'T', 'R', 'A', 'W', 'L', 'K', 'D', 'B'};
constexpr std::uint32_t db_version = 1;

// One block of one known file, while building.
struct BlockRecord {
  std::array<unsigned char, 32> digest;  // the first digest_size bytes are used
  std::uint32_t file;
  std::uint32_t block;
  bool low_entropy;
};

std::vector<fs::path> list_inputs(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    const auto status = fs::status(input, ec);
    if (ec || !fs::exists(status))
      throw Error(ErrorKind::input, "cannot open " + in_quotes(input.string()) + ": no such file or folder");
    if (fs::is_directory(status)) {
      for (fs::recursive_directory_iterator it(input, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
           it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
      if (ec) throw Error(ErrorKind::input, "cannot list " + in_quotes(input.string()) + ": " + ec.message());
    } else if (fs::is_regular_file(status)) {
      files.push_back(input);
    } else {
      throw Error(ErrorKind::input, in_quotes(input.string()) + " is neither a regular file nor a folder");
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

template <class T>
std::span<const T> section(std::span<const std::byte> file, std::uint64_t& at, std::uint64_t count) {
  const auto* p = reinterpret_cast<const T*>(file.data() + at);
  at += align8(count * sizeof(T));
  return {p, static_cast<std::size_t>(count)};
}

}  // namespace

double byte_entropy(std::span<const std::byte> bytes) {
  if (bytes.empty()) return 0;
  std::array<std::uint32_t, 256> histogram{};
  for (auto b : bytes) ++histogram[static_cast<unsigned char>(b)];
  double bits = 0;
  const double n = static_cast<double>(bytes.size());
  for (auto count : histogram)
    if (count) {
      const double p = count / n;
      bits -= p * std::log2(p);
    }
  return bits;
}

BlockDbBuildReport build_block_db(const std::vector<fs::path>& inputs, const fs::path& output, const BlockDbBuildOptions& o) {
  if (o.algorithm != HashAlgorithm::md5 && o.algorithm != HashAlgorithm::sha1 && o.algorithm != HashAlgorithm::sha256)
    throw Error(ErrorKind::options, "BlockDbBuildOptions::algorithm must be md5, sha1 or sha256 for a block database");
  if (o.block_size < 512 || (o.block_size & (o.block_size - 1)) != 0 || o.block_size > (1u << 24))
    throw Error(ErrorKind::options, "BlockDbBuildOptions::block_size must be a power of two between 512 and 16M");
  if (o.max_files == 0) throw Error(ErrorKind::options, "BlockDbBuildOptions::max_files must be at least 1");
  if (!(o.min_entropy >= 0 && o.min_entropy <= 8))
    throw Error(ErrorKind::options, "BlockDbBuildOptions::min_entropy must be between 0 and 8 bits per byte");
  const std::uint32_t digest_size = info(o.algorithm).digest_size;
  const auto paths = list_inputs(inputs);
  if (paths.size() >= 0xffffffffu) throw Error(ErrorKind::options, "too many files for one block database");

  BlockDbBuildReport report;
  std::vector<BlockRecord> records;
  std::vector<KnownFileEntry> files;
  std::string strings;
  EvpContext block_ctx(evp_md(o.algorithm)), file_ctx(evp_md(HashAlgorithm::sha256));
  const std::size_t piece = std::max<std::size_t>(o.block_size, 1 << 20);  // a multiple of the block size
  auto buffer = std::make_unique_for_overwrite<std::byte[]>(piece);
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorKind::input, "cannot read " + in_quotes(path.string()) + ": " + errno_text(errno));
    KnownFileEntry entry{};
    entry.first_block = records.size();
    file_ctx.init();
    while (in) {
      in.read(reinterpret_cast<char*>(buffer.get()), static_cast<std::streamsize>(piece));
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got == 0) break;
      file_ctx.update({buffer.get(), got});
      // Only whole blocks: a file's short tail is followed by other bytes in any image.
      for (std::size_t at = 0; at + o.block_size <= got; at += o.block_size) {
        const std::span<const std::byte> block(buffer.get() + at, o.block_size);
        BlockRecord r{};
        block_ctx.init();
        block_ctx.update(block);
        block_ctx.final(r.digest.data());
        r.file = static_cast<std::uint32_t>(files.size());
        r.block = entry.blocks++;
        r.low_entropy = byte_entropy(block) < o.min_entropy;
        records.push_back(r);
      }
      entry.size += got;
      if (got < piece) break;
    }
    if (in.bad()) throw Error(ErrorKind::input, "cannot read " + in_quotes(path.string()) + ": " + errno_text(errno));
    file_ctx.final(entry.sha256);
    if (entry.blocks == 0) {
      ++report.skipped_small;
      continue;
    }
    const std::string name = path.string();
    entry.name_offset = strings.size();
    entry.name_size = static_cast<std::uint32_t>(name.size());
    strings += name;
    files.push_back(entry);
  }
  if (records.size() >= 0xffffffffu) throw Error(ErrorKind::options, "too many blocks for one block database (at most 2^32 - 2)");

  // Postings by digest, then file, then block; digests unique.
  std::vector<std::uint32_t> order(records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int c = std::memcmp(records[a].digest.data(), records[b].digest.data(), digest_size);
    if (c != 0) return c < 0;
    return std::tie(records[a].file, records[a].block) < std::tie(records[b].file, records[b].block);
  });
  std::string digests, flags;
  std::vector<std::uint64_t> posting_start;
  std::vector<BlockPosting> postings;
  std::vector<std::uint32_t> file_blocks(records.size());
  postings.reserve(records.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    std::uint32_t distinct_files = 0;
    const auto digest_index = static_cast<std::uint32_t>(posting_start.size());
    posting_start.push_back(postings.size());
    for (; j < order.size() && std::memcmp(records[order[j]].digest.data(), records[order[i]].digest.data(), digest_size) == 0; ++j) {
      const auto& r = records[order[j]];
      if (j == i || records[order[j - 1]].file != r.file) ++distinct_files;
      postings.push_back({r.file, r.block});
      file_blocks[files[r.file].first_block + r.block] = digest_index;
    }
    std::uint8_t f = 0;
    if (records[order[i]].low_entropy) f |= block_low_entropy;
    if (distinct_files > o.max_files) f |= block_common;
    report.low_entropy += (f & block_low_entropy) != 0;
    report.common += (f & block_common) != 0;
    digests.append(reinterpret_cast<const char*>(records[order[i]].digest.data()), digest_size);
    flags.push_back(static_cast<char>(f));
    i = j;
  }
  posting_start.push_back(postings.size());
  for (auto& file : files)
    for (std::uint32_t b = 0; b < file.blocks; ++b)
      if (static_cast<std::uint8_t>(flags[file_blocks[file.first_block + b]]) == 0) ++file.probative;

  BlockDbHeader header{};
  std::memcpy(header.magic, db_magic, sizeof db_magic);
  header.version = db_version;
  header.algorithm = static_cast<std::uint32_t>(o.algorithm);
  header.block_size = o.block_size;
  header.digest_size = digest_size;
  header.digest_count = flags.size();
  header.block_count = records.size();
  header.file_count = files.size();
  header.strings_size = strings.size();
  header.max_files = o.max_files;
  header.min_entropy_milli = static_cast<std::uint32_t>(std::lround(o.min_entropy * 1000));
  std::string out;
  out.resize(sizeof header);  // the header goes in last, once total_size is known
  append_section(out, digests.data(), digests.size());
  append_section(out, flags.data(), flags.size());
  append_section(out, posting_start.data(), posting_start.size() * sizeof(std::uint64_t));
  append_section(out, postings.data(), postings.size() * sizeof(BlockPosting));
  append_section(out, files.data(), files.size() * sizeof(KnownFileEntry));
  append_section(out, file_blocks.data(), file_blocks.size() * sizeof(std::uint32_t));
  append_section(out, strings.data(), strings.size());
  header.total_size = out.size();
  std::memcpy(out.data(), &header, sizeof header);
  write_store(output, out);

  report.files = files.size();
  report.blocks = records.size();
  report.digests = header.digest_count;
  return report;
}

BlockDb::BlockDb(const fs::path& path) : map_(path) {
  const auto bytes = map_.bytes();
  const auto bad = [&](const std::string& why) {
    return Error(ErrorKind::input, in_quotes(path.string()) + " is not a usable block database: " + why);
  };
  if (bytes.size() < sizeof(BlockDbHeader)) throw bad("too short");
  header_ = reinterpret_cast<const BlockDbHeader*>(bytes.data());
  const auto& h = *header_;
  if (std::memcmp(h.magic, db_magic, sizeof db_magic) != 0) throw bad("wrong magic (build one with trawl hashdb build)");
  if (h.version != db_version) throw bad("version " + std::to_string(h.version) + ", this trawl reads " + std::to_string(db_version));
  const auto algorithm = static_cast<HashAlgorithm>(h.algorithm);
  if ((algorithm != HashAlgorithm::md5 && algorithm != HashAlgorithm::sha1 && algorithm != HashAlgorithm::sha256) ||
      h.digest_size != info(algorithm).digest_size)
    throw bad("unknown digest algorithm");
  if (h.block_size < 512 || (h.block_size & (h.block_size - 1)) != 0) throw bad("bad block size");
  // Counts are bounded before any size arithmetic so that a crafted header cannot overflow it.
  constexpr std::uint64_t limit = 1ull << 36;
  if (h.digest_count > h.block_count || h.block_count >= 0xffffffffu || h.file_count > h.block_count || h.strings_size > limit)
    throw bad("inconsistent counts");
  const std::uint64_t expected = sizeof(BlockDbHeader) + align8(h.digest_count * h.digest_size) + align8(h.digest_count) +
                                 align8((h.digest_count + 1) * 8) + align8(h.block_count * sizeof(BlockPosting)) +
                                 align8(h.file_count * sizeof(KnownFileEntry)) + align8(h.block_count * 4) + align8(h.strings_size);
  if (h.total_size != expected || bytes.size() != expected)
    throw bad(bytes.size() < expected ? "truncated" : "size does not match its header");
  std::uint64_t at = sizeof(BlockDbHeader);
  digests_ = bytes.subspan(at, h.digest_count * h.digest_size);
  at += align8(h.digest_count * h.digest_size);
  flags_ = section<std::uint8_t>(bytes, at, h.digest_count);
  posting_start_ = section<std::uint64_t>(bytes, at, h.digest_count + 1);
  postings_ = section<BlockPosting>(bytes, at, h.block_count);
  files_ = section<KnownFileEntry>(bytes, at, h.file_count);
  file_blocks_ = section<std::uint32_t>(bytes, at, h.block_count);
  strings_ = std::string_view(reinterpret_cast<const char*>(bytes.data() + at), h.strings_size);

  // Every index is checked once here, so lookups may trust them.
  const auto* d = reinterpret_cast<const unsigned char*>(digests_.data());
  for (std::uint64_t i = 1; i < h.digest_count; ++i)
    if (std::memcmp(d + (i - 1) * h.digest_size, d + i * h.digest_size, h.digest_size) >= 0) throw bad("digests not sorted");
  if (posting_start_.front() != 0 || posting_start_.back() != h.block_count) throw bad("bad posting index");
  for (std::uint64_t i = 0; i < h.digest_count; ++i)
    if (posting_start_[i] >= posting_start_[i + 1]) throw bad("bad posting index");
  std::uint64_t next_block = 0;
  for (const auto& f : files_) {
    if (f.first_block != next_block || f.blocks == 0 || f.blocks > h.block_count - next_block || f.probative > f.blocks ||
        f.name_offset > h.strings_size || f.name_size > h.strings_size - f.name_offset)
      throw bad("bad file table");
    next_block += f.blocks;
  }
  if (next_block != h.block_count) throw bad("bad file table");
  for (const auto& p : postings_)
    if (p.file >= h.file_count || p.block >= files_[p.file].blocks) throw bad("bad posting");
  for (auto b : file_blocks_)
    if (b >= h.digest_count) throw bad("bad block index");
}

std::int64_t BlockDb::find(std::span<const unsigned char> digest) const {
  const auto* d = reinterpret_cast<const unsigned char*>(digests_.data());
  std::uint64_t lo = 0, hi = digest_count();
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const int c = std::memcmp(d + mid * digest_size(), digest.data(), digest_size());
    if (c == 0) return static_cast<std::int64_t>(mid);
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

}  // namespace trawl::detail
