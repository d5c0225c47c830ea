// The SQLite case database (a file): RAII over the connection and its prepared statements.
#pragma once

#include <sqlite3.h>

#include <filesystem>

#include "host/case/database.hpp"

namespace trawl::detail {

class SqliteDatabase final : public Database {
 public:
  // error_code: what a failure to open means (input for a case to read, output for one to write).
  SqliteDatabase(const std::filesystem::path& file, Mode mode, ErrorKind error_code);
  ~SqliteDatabase() override;

  Dialect dialect() const override { return Dialect::sqlite; }
  void exec(std::string_view sql) override;
  Statement prepare(std::string_view sql) override;
  std::string ddl(std::string_view sqlite_ddl) const override { return std::string(sqlite_ddl); }
  void rollback_quietly() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  std::string name() const override { return name_; }
  ErrorKind error_code() const override { return error_code_; }

  sqlite3* handle() const { return db_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  ErrorKind error_code_;
  std::string name_;  // the file, for messages
};

}  // namespace trawl::detail
