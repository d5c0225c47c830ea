#include "host/case/postgres.hpp"

#include <cstdlib>
#include <regex>
#include <vector>

#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

// libpq's messages end with a line break and may hold several lines: the first says it.
std::string first_line(const char* message) {
  std::string text = message ? message : "unknown error";
  if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  return text;
}

class PostgresStatement final : public StatementImpl {
 public:
  PostgresStatement(PostgresDatabase& db, std::string name, int parameters)
      : db_(&db), name_(std::move(name)), values_(static_cast<std::size_t>(parameters)) {}
  PostgresStatement(const PostgresStatement&) = delete;
  PostgresStatement& operator=(const PostgresStatement&) = delete;
  ~PostgresStatement() override {
    reset();
    PQclear(PQexec(db_->handle(), ("DEALLOCATE " + name_).c_str()));
  }

  void bind(int index, std::int64_t value) override { slot(index) = std::to_string(value); }
  void bind(int index, std::string_view text) override { slot(index) = std::string(text); }
  void bind_null(int index) override { slot(index).reset(); }

  bool step() override {
    if (done_) return false;
    if (!started_) {
      std::vector<const char*> values;
      for (const auto& v : values_) values.push_back(v ? v->c_str() : nullptr);
      if (!PQsendQueryPrepared(db_->handle(), name_.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0))
        db_->fail("case database query failed");
      PQsetSingleRowMode(db_->handle());
      started_ = true;
    }
    PQclear(row_);
    row_ = PQgetResult(db_->handle());
    if (!row_) {
      done_ = true;
      return false;
    }
    switch (PQresultStatus(row_)) {
      case PGRES_SINGLE_TUPLE:
        return true;
      case PGRES_TUPLES_OK:
      case PGRES_COMMAND_OK:
        PQclear(row_);
        row_ = nullptr;
        db_->drain();
        done_ = true;
        return false;
      default: {
        std::string message = first_line(PQresultErrorMessage(row_));
        PQclear(row_);
        row_ = nullptr;
        db_->drain();
        done_ = true;
        throw Error(db_->error_code(), "case database query failed (" + db_->name() + "): " + message);
      }
    }
  }

  void reset() override {
    PQclear(row_);
    row_ = nullptr;
    if (started_ && !done_) db_->drain();
    started_ = done_ = false;
    for (auto& v : values_) v.reset();
  }

  std::int64_t integer(int column) const override { return std::strtoll(PQgetvalue(row_, 0, column), nullptr, 10); }
  bool is_null(int column) const override { return PQgetisnull(row_, 0, column) != 0; }
  std::string text(int column) const override {
    return std::string(PQgetvalue(row_, 0, column), static_cast<std::size_t>(PQgetlength(row_, 0, column)));
  }

 private:
  std::optional<std::string>& slot(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size()) db_->fail("cannot bind a value");
    return values_[static_cast<std::size_t>(index) - 1];
  }

  PostgresDatabase* db_;
  std::string name_;
  std::vector<std::optional<std::string>> values_;  // nullopt: NULL
  PGresult* row_ = nullptr;                         // the current row, in single-row mode
  bool started_ = false, done_ = false;
};

}  // namespace

std::string postgres_placeholders(std::string_view sql) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '$';
      continue;
    }
    out += c;
  }
  return out;
}

PostgresDatabase::PostgresDatabase(const std::string& url, ErrorKind error_code) : error_code_(error_code) {
  conn_ = PQconnectdb(url.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string message = conn_ ? first_line(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(error_code_, "cannot connect to the case database: " + message);
  }
  const char* host = PQhost(conn_);
  name_ = "database " + in_quotes(PQdb(conn_)) + " on " + (host && *host ? std::string(host) : std::string("localhost"));
  // Notices (a DROP ... IF EXISTS that found nothing) are not the user's business; text is UTF-8.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  exec("SET client_encoding = 'UTF8'");
}

PostgresDatabase::~PostgresDatabase() { PQfinish(conn_); }

void PostgresDatabase::fail(const std::string& what) const {
  throw Error(error_code_, what + " (" + name_ + "): " + first_line(PQerrorMessage(conn_)));
}

void PostgresDatabase::drain() noexcept {
  while (PGresult* r = PQgetResult(conn_)) PQclear(r);
}

void PostgresDatabase::exec(std::string_view sql) {
  PGresult* r = PQexec(conn_, std::string(sql).c_str());
  const auto status = PQresultStatus(r);
  std::string message = first_line(PQresultErrorMessage(r));
  PQclear(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw Error(error_code_, "case database " + name_ + ": " + message);
}

Statement PostgresDatabase::prepare(std::string_view sql) {
  const std::string name = "trawl_" + std::to_string(++statements_);
  PGresult* r = PQprepare(conn_, name.c_str(), postgres_placeholders(sql).c_str(), 0, nullptr);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string message = first_line(PQresultErrorMessage(r));
  PQclear(r);
  if (!ok) throw Error(error_code_, "cannot prepare a query of the case database (" + name_ + "): " + message);
  r = PQdescribePrepared(conn_, name.c_str());
  const int parameters = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnparams(r) : 0;
  PQclear(r);
  return Statement(std::make_unique<PostgresStatement>(*this, name, parameters));
}

// SQLite's types as PostgreSQL's: 64-bit integers (offsets pass 2^31), identity keys, and text
// compared bytewise (COLLATE "C"), as SQLite compares it, whatever the server's locale.
std::string PostgresDatabase::ddl(std::string_view sqlite_ddl) const {
  std::string s(sqlite_ddl);
  s = std::regex_replace(s, std::regex(R"(\bINTEGER PRIMARY KEY\b)"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  s = std::regex_replace(s, std::regex(R"(\bINTEGER\b)"), "BIGINT");
  s = std::regex_replace(s, std::regex(R"(\bTEXT\b)"), "TEXT COLLATE \"C\"");
  return s;
}

void PostgresDatabase::rollback_quietly() noexcept {
  drain();
  PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace trawl::detail
