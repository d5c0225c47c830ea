// ELF executables, libraries, objects and core files: the file ends at the furthest of the
// program header table, the section header table, and the bytes of every segment and every
// section that occupies file space. The section-name string table must be a string table.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"\x7F" "ELF", {}, 0}};

struct Elf {
  const ByteView& v;
  bool is64, little;
  std::uint64_t u16(std::uint64_t p) const { return little ? v.u16le(p) : v.u16be(p); }
  std::uint64_t u32(std::uint64_t p) const { return little ? v.u32le(p) : v.u32be(p); }
  std::uint64_t u64(std::uint64_t p) const { return little ? v.u64le(p) : v.u64be(p); }
  std::uint64_t word(std::uint64_t p) const { return is64 ? u64(p) : u32(p); }  // Elf_Off / Elf_Addr / Xword
};

constexpr std::uint64_t max_size = 4ull << 30;

Carve walk(const ByteView& v) {
  if (!v.has(0, 64)) return not_this();
  const unsigned cls = v.u8(4), data = v.u8(5);
  if ((cls != 1 && cls != 2) || (data != 1 && data != 2) || v.u8(6) != 1) return not_this();
  const Elf e{v, cls == 2, data == 1};
  const std::uint64_t type = e.u16(16), machine = e.u16(18);
  if (type < 1 || type > 4 || machine == 0 || e.u32(20) != 1) return not_this();
  const std::uint64_t phoff = e.word(e.is64 ? 32 : 28), shoff = e.word(e.is64 ? 40 : 32);
  const std::uint64_t b = e.is64 ? 52 : 40;  // e_ehsize and what follows
  const std::uint64_t ehsize = e.u16(b), phentsize = e.u16(b + 2), phnum = e.u16(b + 4);
  const std::uint64_t shentsize = e.u16(b + 6), shnum = e.u16(b + 8), shstrndx = e.u16(b + 10);
  if (ehsize != (e.is64 ? 64u : 52u)) return not_this();
  if (phnum && phentsize != (e.is64 ? 56u : 32u)) return not_this();
  if (shnum && (shentsize != (e.is64 ? 64u : 40u) || shstrndx >= shnum)) return not_this();
  if (phoff > max_size || shoff > max_size) return not_this();
  std::uint64_t end = ehsize;
  if (phnum) end = std::max(end, phoff + phnum * phentsize);
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const std::uint64_t p = phoff + i * phentsize;
    const std::uint64_t offset = e.is64 ? e.u64(p + 8) : e.u32(p + 4), filesz = e.is64 ? e.u64(p + 32) : e.u32(p + 16);
    if (offset > max_size || filesz > max_size) return corrupt(p, "segment outside any plausible file");
    end = std::max(end, offset + filesz);
  }
  if (shnum) end = std::max(end, shoff + shnum * shentsize);
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::uint64_t s = shoff + i * shentsize;
    const std::uint64_t kind = e.u32(s + 4);
    const std::uint64_t offset = e.word(s + (e.is64 ? 24 : 16)), size = e.word(s + (e.is64 ? 32 : 20));
    if (i == shstrndx && kind != 3) return corrupt(s, "section-name table is not a string table");
    if (kind == 0 || kind == 8) continue;  // SHT_NULL, SHT_NOBITS: no file bytes
    if (offset > max_size || size > max_size) return corrupt(s, "section outside any plausible file");
    end = std::max(end, offset + size);
  }
  (void)v.u8(end - 1);
  return valid(end);
}

}  // namespace

const CarverSpec elf_spec{"elf", "elf", "ELF executable, library, object or core file", max_size, signatures, walk};

}  // namespace trawl::carvers
