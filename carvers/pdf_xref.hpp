// What the PDF walk (carvers/pdf.cpp) reads of a document's cross-reference table, for the walk
// itself and for reassembly (carvers/reassemble.cpp): the table gives every object's offset, so a
// document in two pieces shows where the second piece lies.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "carvers/byte_view.hpp"

namespace trawl::carvers {

struct PdfXrefEntry {
  std::uint64_t number = 0;  // object number
  std::uint64_t offset = 0;  // where "number G obj" starts, from the file's first byte
};

// The number N of an indirect object header "N G obj" at view position pos; nullopt if none.
std::optional<std::uint64_t> pdf_object_number_at(const ByteView& v, std::uint64_t pos);

// The objects in use of the classic xref table at pos ("xref", subsections of 20-byte entries,
// then "trailer"), in table order; nullopt when it does not parse.
std::optional<std::vector<PdfXrefEntry>> pdf_xref_table(const ByteView& v, std::uint64_t pos);

// The stream of the indirect object at pos: where its data lies (from /Length) and whether
// FlateDecode is its one filter. The dictionary must end, and "stream" follow, within 4 KiB and
// before `next` (where the next object starts). An indirect /Length ("N G R") is read through
// `table` (the document's xref entries, sorted by object number) when given. nullopt: no stream, or a length that cannot
// be read.
struct PdfStream {
  std::uint64_t data = 0;    // view position of the first data byte (after "stream" and its EOL)
  std::uint64_t length = 0;  // /Length
  bool flate = false;        // /Filter /FlateDecode (alone, or in a one-element array)
};
std::optional<PdfStream> pdf_stream_at(const ByteView& v, std::uint64_t pos, std::uint64_t next,
                                       const std::vector<PdfXrefEntry>* table = nullptr);

// True when "endstream" follows a stream's data (after at most an end of line).
bool pdf_stream_ends(const ByteView& v, const PdfStream& stream);

// The startxref value before the "%%EOF" that ends just before `end` (the walk's file end).
std::optional<std::uint64_t> pdf_startxref_before_eof(const ByteView& v, std::uint64_t end);

}  // namespace trawl::carvers
