// PE executables (EXE, DLL, SYS, EFI): the file ends at the furthest of the headers, the raw data
// of every section, the COFF symbol and string tables, and the Authenticode certificate table.
// When the optional header carries a checksum, it must match the carved bytes.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"MZ", {}, 0}};

bool power_of_two(std::uint64_t x) { return x && !(x & (x - 1)); }

// The PE checksum: 16-bit one's-complement-style sum of the file, the checksum field read as
// zero, plus the file length.
std::uint32_t pe_checksum(const ByteView& v, std::uint64_t length, std::uint64_t checksum_at) {
  std::uint64_t sum = 0;
  std::uint64_t pos = 0;
  while (pos < length) {
    auto w = v.window(pos, length - pos);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::uint64_t at = pos + i;
      std::uint64_t byte = std::to_integer<std::uint64_t>(w[i]);
      if (at >= checksum_at && at < checksum_at + 4) byte = 0;
      sum += (at & 1) ? byte << 8 : byte;
    }
    sum = (sum & 0xFFFFFFFF) + (sum >> 32);
    pos += w.size();
  }
  // Fold the running sum to 16 bits as the loader does, then add the length.
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint32_t>(sum + length);
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 64)) return not_this();
  const std::uint64_t pe = v.u32le(0x3C);
  if (pe < 0x40 || pe > 0x10000 || pe % 4 != 0) return not_this();
  if (!v.has(pe, 24) || !v.equals(pe, std::string_view("PE\0\0", 4))) return not_this();
  const std::uint64_t coff = pe + 4;
  const std::uint64_t sections = v.u16le(coff + 2), symbols_at = v.u32le(coff + 8), symbols = v.u32le(coff + 12);
  const std::uint64_t optional_size = v.u16le(coff + 16);
  const std::uint64_t opt = coff + 20;
  const unsigned magic = v.u16le(opt);
  if (sections == 0 || sections > 96 || (magic != 0x10B && magic != 0x20B) || optional_size < (magic == 0x10B ? 96u : 112u))
    return not_this();
  const std::uint64_t file_align = v.u32le(opt + 36), headers = v.u32le(opt + 60);
  if (!power_of_two(file_align) || file_align > 65536 || headers == 0) return not_this();
  std::uint64_t end = headers;
  const std::uint64_t table = opt + optional_size;
  for (std::uint64_t i = 0; i < sections; ++i) {
    const std::uint64_t s = table + 40 * i;
    const std::uint64_t raw_size = v.u32le(s + 16), raw_ptr = v.u32le(s + 20);
    if (raw_size && raw_ptr < headers) return corrupt(s, "section data inside the headers");
    if (raw_size) end = std::max(end, raw_ptr + raw_size);
  }
  if (symbols_at && symbols) {  // COFF symbols, then the string table with its own length
    const std::uint64_t strings = symbols_at + 18 * symbols;
    end = std::max(end, strings + v.u32le(strings));
  }
  const std::uint64_t directories = opt + (magic == 0x10B ? 92 : 108);
  if (v.u32le(directories) > 4 && optional_size >= (magic == 0x10B ? 136u : 152u)) {
    // Directory 4, the certificate table, holds a file offset (not an RVA) and a size.
    const std::uint64_t cert = v.u32le(directories + 4 + 8 * 4), cert_size = v.u32le(directories + 8 + 8 * 4);
    if (cert && cert_size) end = std::max(end, cert + cert_size);
  }
  (void)v.u8(end - 1);
  const std::uint64_t checksum_at = opt + 64;
  if (const std::uint32_t stored = v.u32le(checksum_at); stored != 0 && pe_checksum(v, end, checksum_at) != stored)
    return corrupt(0, "PE checksum mismatch");
  return valid(end);
}

}  // namespace

const CarverSpec pe_spec{"pe", "exe", "PE executable (EXE, DLL, EFI)", 1ull << 30, signatures, walk};

}  // namespace trawl::carvers
