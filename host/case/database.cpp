#include "host/case/database.hpp"

#include "host/case/postgres.hpp"
#include "host/case/sqlite.hpp"

namespace trawl::detail {

bool is_database_url(std::string_view target) {
  return target.starts_with("postgresql://") || target.starts_with("postgres://");
}

std::unique_ptr<Database> open_database(const std::string& target, Database::Mode mode, ErrorKind error_code) {
  if (is_database_url(target)) return std::make_unique<PostgresDatabase>(target, error_code);
  return std::make_unique<SqliteDatabase>(target, mode, error_code);
}

}  // namespace trawl::detail
