// The PostgreSQL case database (a shared server, postgresql:// URLs), through libpq. Rows are
// read one at a time (single-row mode): a query never holds its whole result in memory.
#pragma once

#include <libpq-fe.h>

#include "host/case/database.hpp"

namespace trawl::detail {

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(const std::string& url, ErrorKind error_code);
  ~PostgresDatabase() override;

  Dialect dialect() const override { return Dialect::postgresql; }
  void exec(std::string_view sql) override;
  Statement prepare(std::string_view sql) override;
  std::string ddl(std::string_view sqlite_ddl) const override;
  void rollback_quietly() noexcept override;
  std::string name() const override { return name_; }
  ErrorKind error_code() const override { return error_code_; }

  PGconn* handle() const { return conn_; }
  [[noreturn]] void fail(const std::string& what) const;
  // Reads and drops the results of the command in flight, if any.
  void drain() noexcept;

 private:
  PGconn* conn_ = nullptr;
  ErrorKind error_code_;
  std::string name_;  // "database D on HOST", for messages
  unsigned statements_ = 0;  // names of prepared statements: trawl_1, trawl_2, ...
};

// SQLite's `?1` placeholders as PostgreSQL's `$1` (outside quotes).
std::string postgres_placeholders(std::string_view sql);

}  // namespace trawl::detail
