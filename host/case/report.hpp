// The case report: one self-contained HTML file (inline CSS and SVG drawn here; no script, no
// font, no network; a Content-Security-Policy forbids loading anything) that shows a correlation
// as plots first, tables after. Every string from evidence is escaped.
#pragma once

#include <string>
#include <string_view>

#include "host/case/correlate.hpp"

namespace trawl::detail {

struct ReportOptions {
  std::string case_name;        // shown in the title, e.g. the database's file name
  std::size_t top = 30;         // identifiers in the bar chart and columns of the matrix
  std::size_t table_rows = 500;  // rows of each table (the CSV and JSON Lines files hold all)
};

std::string case_report_html(const Correlation& c, const ReportOptions& options);

// Text for HTML and SVG: & < > " ' escaped, control characters shown as U+FFFD.
std::string html_escape(std::string_view text);

// The colour the plots give an identifier type (fixed: the report's tests look for them).
std::string_view type_colour(std::string_view type);

}  // namespace trawl::detail
