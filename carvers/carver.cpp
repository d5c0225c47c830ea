#include "carvers/carver.hpp"

#include <zlib.h>

#include <array>

#include "carvers/formats.hpp"
#include "kernels/signature_search.hpp"

namespace trawl::carvers {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::not_this_format: return "not_this_format";
    case Verdict::valid: return "valid";
    case Verdict::truncated: return "truncated";
    case Verdict::corrupt: return "corrupt";
  }
  return "?";
}

std::span<const CarverSpec* const> all_carvers() {
  // Order only fixes the numbering of formats within a run; outputs are sorted by offset.
  static const std::array<const CarverSpec*, 24> specs{
      &jpeg_spec, &png_spec,    &gif_spec,        &bmp_spec,        &tiff_spec,           &riff_spec,
      &pdf_spec,  &zip_spec,    &gzip_spec,       &sqlite_spec,     &sqlite_wal_spec,     &sqlite_journal_spec,
      &isobmff_spec, &sevenzip_spec, &rar_spec,   &pe_spec,         &elf_spec,
      &ogg_spec,  &mp3_spec,    &amr_spec,        &adts_spec,       &flac_spec,           &matroska_spec,
      &mpeg_ps_spec};
  return specs;
}

const CarverSpec* find_carver(std::string_view type) {
  for (const auto* spec : all_carvers())
    if (spec->type == type) return spec;
  return nullptr;
}

Carve carve(const CarverSpec& spec, const ByteView& view) {
  Carve c;
  try {
    c = spec.walk(view);
  } catch (const EndOfView&) {
    c = truncated(view.size(), view.limited() ? "longer than the size limit" : "the image (or a readable run of it) ends inside the file");
  }
  // A walk that claims more bytes than the view holds has a bug; never let it reach the output.
  if (c.length > view.size()) c = truncated(view.size(), "structure claims more bytes than the view holds");
  if (c.verdict == Verdict::valid && c.length == 0) c = not_this();
  return c;
}

bool matches_at(const Signature& sig, const ByteView& view, std::uint64_t start) {
  const std::uint64_t at = start + sig.offset;
  if (sig.bytes.empty() || sig.bytes.size() > 16 || !view.has(at, sig.bytes.size())) return false;
  std::array<std::byte, 16> data;
  view.read(at, std::span(data).first(sig.bytes.size()));
  const auto* mask = sig.mask.empty() ? nullptr : reinterpret_cast<const unsigned char*>(sig.mask.data());
  return kernels::masked_equal(reinterpret_cast<const unsigned char*>(data.data()),
                               reinterpret_cast<const unsigned char*>(sig.bytes.data()), mask,
                               static_cast<std::uint32_t>(sig.bytes.size()));
}

std::uint32_t crc32_of(const ByteView& view, std::uint64_t pos, std::uint64_t len) {
  if (!view.has(pos, len)) throw EndOfView();
  uLong crc = ::crc32(0L, Z_NULL, 0);
  while (len > 0) {
    auto w = view.window(pos, len);
    crc = ::crc32_z(crc, reinterpret_cast<const Bytef*>(w.data()), w.size());
    pos += w.size();
    len -= w.size();
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace trawl::carvers
