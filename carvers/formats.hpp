// The descriptors of every format, one per file in carvers/ (registered in carver.cpp).
#pragma once

#include "carvers/carver.hpp"

namespace trawl::carvers {

extern const CarverSpec jpeg_spec;
extern const CarverSpec png_spec;
extern const CarverSpec gif_spec;
extern const CarverSpec bmp_spec;
extern const CarverSpec tiff_spec;
extern const CarverSpec riff_spec;
extern const CarverSpec pdf_spec;
extern const CarverSpec zip_spec;
extern const CarverSpec gzip_spec;
extern const CarverSpec sqlite_spec;
extern const CarverSpec sqlite_wal_spec;
extern const CarverSpec sqlite_journal_spec;
extern const CarverSpec isobmff_spec;
extern const CarverSpec sevenzip_spec;
extern const CarverSpec rar_spec;
extern const CarverSpec pe_spec;
extern const CarverSpec elf_spec;
extern const CarverSpec ogg_spec;
extern const CarverSpec mp3_spec;
extern const CarverSpec amr_spec;
extern const CarverSpec adts_spec;
extern const CarverSpec flac_spec;
extern const CarverSpec matroska_spec;
extern const CarverSpec mpeg_ps_spec;

}  // namespace trawl::carvers
