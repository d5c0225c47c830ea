#include "host/cli/case_command.hpp"

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "host/case/case_db.hpp"
#include "host/case/correlate.hpp"
#include "host/case/report.hpp"
#include "host/cli/command_line.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using trawl::Error;
using trawl::ErrorKind;
using trawl::ExitCode;

constexpr const char* case_overview = R"(trawl case — many devices in one case database

Usage:
  trawl case build OUTDIR... -o case.db|URL [--force | --append | --resume]
                                                              load scan output folders (SQLite file,
                                                              or postgresql://... for a shared case)
  trawl case correlate case.db|URL [-o DIR] [options]         shared identifiers, phones near ad ids,
                                                              shared carved files; CSV, JSON Lines, report.html
  trawl case schema                                           print the database schema (SQL)
  trawl case COMMAND --help                                   options of a command

Schema and outputs: docs/case-database.md.
)";

int run_build(const std::vector<std::string>& args) {
  std::vector<std::string> folders;
  std::string output;
  detail::CaseBuildOptions options;
  bool quiet = false;
  po::options_description desc("trawl case build OUTDIR... -o case.db [options]");
  desc.add_options()
      ("help,h", "this help")
      ("output,o", po::value(&output), "the case database to write: a SQLite file, or a postgresql:// URL (a shared case)")
      ("force", po::bool_switch(&options.force), "replace the database file if it exists (SQLite)")
      ("append", po::bool_switch(&options.append), "add the folders to an existing case database (a device already in it is an error)")
      ("resume", po::bool_switch(&options.resume), "add the folders whose device is not in the case yet (after a killed build)")
      ("quiet,q", po::bool_switch(&quiet), "print nothing on success");
  auto vm = parse_command_line(args, desc, "folder", -1, &folders);
  if (vm.count("help")) {
    std::cout << desc
              << "\nEach OUTDIR is the output folder of one `trawl scan` (one device). The device's label\n"
                 "is summary.json's device.label when the scan had one (batch manifest), else the\n"
                 "folder's name; labels must be unique in a case. The output folder of a batch scan (one\n"
                 "sub-folder per image) stands for all its scans.\n"
                 "On PostgreSQL each device is one transaction: a killed build leaves whole devices, and\n"
                 "--resume loads the missing ones. Several builds may load into one server at once.\n"
                 "Examples:\n  trawl case build out/phone1 out/phone2 out/laptop -o case.db\n"
                 "  trawl case build out/phone7 -o 'postgresql://trawl@caseserver/op_nightjar' --append\n";
    return 0;
  }
  if (output.empty()) throw Error(ErrorKind::options, "case build: no database given (-o case.db)");
  if (folders.empty()) throw Error(ErrorKind::options, "case build: no scan output folder given");
  std::vector<fs::path> paths(folders.begin(), folders.end());
  auto report = detail::build_case(output, paths, options);
  if (!quiet)
    std::printf("case      %s: %llu devices loaded (%llu already there), %llu identifier occurrences, %llu distinct identifiers, "
                "%llu carved files (%.2f s)\n",
                detail::is_database_url(output) ? "PostgreSQL case" : output.c_str(), static_cast<unsigned long long>(report.devices),
                static_cast<unsigned long long>(report.skipped),
                static_cast<unsigned long long>(report.occurrences), static_cast<unsigned long long>(report.identifiers),
                static_cast<unsigned long long>(report.carved_files), report.seconds);
  return 0;
}

int run_correlate(const std::vector<std::string>& args) {
  std::string database, output;
  detail::CorrelateOptions options;
  detail::ReportOptions report_options;
  std::string near = "256";
  bool force = false, quiet = false;
  po::options_description desc("trawl case correlate case.db|postgresql://... [-o DIR] [options]");
  desc.add_options()
      ("help,h", "this help")
      ("output,o", po::value(&output), "folder for the CSV, JSON Lines and report.html (without it: the shared identifiers as CSV on stdout)")
      ("force", po::bool_switch(&force), "overwrite earlier outputs in that folder")
      ("min-devices", po::value(&options.min_devices), "shared = found on at least this many devices (default 2)")
      ("near", po::value(&near), "a phone number and an ad identifier at most this many bytes apart, in the image or in the "
                                 "same decoded stream, are near (default 256)")
      ("top", po::value(&report_options.top), "identifiers in the report's bar chart and matrix (default 30)")
      ("table-rows", po::value(&report_options.table_rows), "rows of each table in the report (default 500)")
      ("quiet,q", po::bool_switch(&quiet), "print nothing on success");
  auto vm = parse_command_line(args, desc, "database", 1, &database);
  if (vm.count("help")) {
    std::cout << desc
              << "\nWrites DIR/shared_identifiers.csv|.jsonl, DIR/phone_near_adid.csv|.jsonl,\n"
                 "DIR/shared_files.csv|.jsonl (written as the database gives the rows: memory stays\n"
                 "bounded whatever the case's size) and DIR/report.html (one self-contained file: the\n"
                 "top of each list, with links to the full files).\n"
                 "Example:\n  trawl case correlate case.db -o case-report/ --near 512\n";
    return 0;
  }
  if (database.empty()) throw Error(ErrorKind::options, "case correlate: no case database given");
  if (options.min_devices < 1) throw Error(ErrorKind::options, "--min-devices must be at least 1");
  options.near_bytes = detail::parse_size(near, "--near");
  report_options.top = std::max<std::size_t>(1, report_options.top);
  // The report keeps the top of each list: all devices of the matrix's columns, the first few
  // devices of the other rows of its tables.
  options.keep = std::max(report_options.top, report_options.table_rows);
  options.keep_full = report_options.top;
  std::error_code ec;
  const bool url = detail::is_database_url(database);
  if (!url && !fs::is_regular_file(database, ec))
    throw Error(ErrorKind::input, "case: no case database " + detail::in_quotes(database));
  auto opened = detail::open_database(database, detail::Database::Mode::read_only, ErrorKind::input);
  detail::Database& db = *opened;

  if (output.empty()) {
    detail::IdentifierCsvStream stdout_csv(stdout);
    detail::correlate(db, options, stdout_csv);
    return 0;
  }
  fs::path dir(output);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw Error(ErrorKind::output, "case: " + detail::in_quotes(output) + " is not a folder");
  std::vector<std::string> names = detail::CsvJsonlWriter::file_names();
  names.push_back("report.html");
  if (!force)
    for (const auto& name : names)
      if (fs::exists(dir / name, ec))
        throw Error(ErrorKind::output,
                    "case: " + detail::in_quotes((dir / name).string()) + " exists (use --force to overwrite)");
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::output, "cannot create " + detail::in_quotes(output) + ": " + ec.message());
  report_options.case_name = url ? db.name() : fs::path(database).filename().string();
  detail::CsvJsonlWriter writer(dir, options);
  auto c = detail::correlate(db, options, writer);
  writer.finish();
  detail::write_file_atomically(dir / "report.html", detail::case_report_html(c, report_options));
  if (!quiet)
    std::printf("correlate %zu devices: %llu shared identifiers, %llu phone/ad-id pairs within %llu bytes, %llu shared files -> %s\n",
                c.devices.size(), static_cast<unsigned long long>(c.total_identifiers),
                static_cast<unsigned long long>(c.total_near), static_cast<unsigned long long>(options.near_bytes),
                static_cast<unsigned long long>(c.total_files), (dir / "report.html").string().c_str());
  return 0;
}

}  // namespace

int run_case(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(case_overview, args.empty() ? stderr : stdout);
    return args.empty() ? static_cast<int>(ExitCode::usage) : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "build") return run_build(rest);
  if (args[0] == "correlate") return run_correlate(rest);
  if (args[0] == "schema") {
    std::fputs(std::string(detail::case_schema_sql()).c_str(), stdout);
    return 0;
  }
  throw Error(ErrorKind::options, "case: unknown command '" + args[0] + "' (see trawl case --help)");
}

}  // namespace trawl::cli
