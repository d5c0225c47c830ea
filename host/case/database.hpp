// The case database behind one small interface, so that the schema and every query are written
// once: SQLite (a file, the default) and PostgreSQL (a shared server, `postgresql://` URLs).
//
// Queries are written in the SQL the two share: placeholders `?1`, `?2` (PostgreSQL's `$1`
// is made from them), `INSERT ... RETURNING id` instead of a last row id, `ON CONFLICT ... DO
// NOTHING`, window functions, CTEs, `"offset"` quoted. The DDL is SQLite's, which ddl() turns into
// the other dialect (INTEGER → BIGINT, INTEGER PRIMARY KEY → an identity column, TEXT →
// TEXT COLLATE "C" so that text sorts bytewise on any server). Every failure becomes a
// trawl::Error with the code the caller names.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "trawl/trawl.hpp"

namespace trawl::detail {

// One prepared statement of one database (its implementation).
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind(int index, std::int64_t value) = 0;
  virtual void bind(int index, std::string_view text) = 0;
  virtual void bind_null(int index) = 0;
  virtual bool step() = 0;  // true: a row is ready to read; false: done
  virtual void reset() = 0;  // forget the bindings and any rows not read
  virtual std::int64_t integer(int column) const = 0;
  virtual std::string text(int column) const = 0;  // "" for NULL
  virtual bool is_null(int column) const = 0;
};

// A prepared statement: bind (1-based), step, read columns (0-based), reset. On PostgreSQL the
// rows come one at a time (single-row mode): no other statement may run on the connection until
// this one has been stepped to its end or reset.
class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  Statement& bind(int index, std::int64_t value) { return impl_->bind(index, value), *this; }
  Statement& bind(int index, std::string_view text) { return impl_->bind(index, text), *this; }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::optional<std::int64_t> value) { return value ? bind(index, *value) : bind_null(index); }
  Statement& bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
  }
  Statement& bind_null(int index) { return impl_->bind_null(index), *this; }
  bool step() { return impl_->step(); }
  // Steps a statement that returns no rows (or whose rows are not wanted), then resets it.
  void run() {
    impl_->step();
    impl_->reset();
  }
  void reset() { impl_->reset(); }
  std::int64_t integer(int column) const { return impl_->integer(column); }
  std::string text(int column) const { return impl_->text(column); }
  bool is_null(int column) const { return impl_->is_null(column); }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

class Database {
 public:
  enum class Mode { read_only, read_write, create };
  enum class Dialect { sqlite, postgresql };
  virtual ~Database() = default;
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  virtual Dialect dialect() const = 0;
  // Runs one or more statements that return no rows.
  virtual void exec(std::string_view sql) = 0;
  virtual Statement prepare(std::string_view sql) = 0;
  // SQLite DDL in this database's dialect.
  virtual std::string ddl(std::string_view sqlite_ddl) const = 0;
  // Rolls back the open transaction, if any, ignoring errors (the error being handled matters).
  virtual void rollback_quietly() noexcept = 0;
  // For messages: the file, or the database name and server (never a password).
  virtual std::string name() const = 0;
  virtual ErrorKind error_code() const = 0;
};

// A case database given on the command line: a postgresql:// (or postgres://) URL, else a
// SQLite file path.
bool is_database_url(std::string_view target);
std::unique_ptr<Database> open_database(const std::string& target, Database::Mode mode, ErrorKind error_code);

}  // namespace trawl::detail
