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

// The startxref value before the "%%EOF" that ends just before `end` (the walk's file end).
std::optional<std::uint64_t> pdf_startxref_before_eof(const ByteView& v, std::uint64_t end);

}  // namespace trawl::carvers
