// RAII wrappers of the SQLite C handles the case database uses: a connection and a prepared
// statement. Every SQLite error becomes a trawl::Error with the code the caller names and
// SQLite's own message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "trawl/trawl.hpp"

namespace trawl::detail {

class Statement;

class Database {
 public:
  enum class Mode { read_only, read_write, create };
  // error_code: what a failure to open means (input for a case to read, output for one to write).
  Database(const std::filesystem::path& file, Mode mode, ExitCode error_code);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements that return no rows.
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* handle() const { return db_; }
  ExitCode error_code() const { return error_code_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  ExitCode error_code_;
  std::string name_;  // the file, for messages
};

// A prepared statement: bind (1-based, as SQLite counts), step, read columns (0-based), reset.
class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::optional<std::int64_t> value);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind_null(int index);
  // true: a row is ready to read; false: done.
  bool step();
  // Steps a statement that returns no rows, then resets it for the next bindings.
  void run();
  void reset();

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text(int column) const;

 private:
  Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace trawl::detail
