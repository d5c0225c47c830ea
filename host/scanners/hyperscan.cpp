#include "host/scanners/hyperscan.hpp"

#include "trawl/trawl.hpp"

namespace trawl::detail {

HsDatabase compile_block_database(const std::vector<HsExpression>& expressions) {
  std::vector<const char*> patterns;
  std::vector<unsigned> flags, ids;
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    patterns.push_back(expressions[i].expression.c_str());
    flags.push_back(expressions[i].flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK,
                       nullptr, &db, &error) != HS_SUCCESS) {
    std::string message = error ? error->message : "unknown error";
    std::string which = error && error->expression >= 0 ? expressions[static_cast<std::size_t>(error->expression)].name : "the rule set";
    hs_free_compile_error(error);
    throw Error(ErrorKind::options, which + ": Hyperscan cannot compile it: " + message);
  }
  return HsDatabase(db);
}

HsDatabase compile_literal_database(const std::vector<HsExpression>& literals) {
  std::vector<const char*> patterns;
  std::vector<std::size_t> lengths;
  std::vector<unsigned> flags, ids;
  for (std::size_t i = 0; i < literals.size(); ++i) {
    patterns.push_back(literals[i].expression.data());
    lengths.push_back(literals[i].expression.size());
    flags.push_back(literals[i].flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(patterns.data(), flags.data(), ids.data(), lengths.data(), static_cast<unsigned>(patterns.size()),
                           HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    std::string message = error ? error->message : "unknown error";
    hs_free_compile_error(error);
    throw Error(ErrorKind::internal, "Hyperscan cannot compile the literal set: " + message);
  }
  return HsDatabase(db);
}

ScratchPool::ScratchPool(const hs_database_t* db) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) throw Error(ErrorKind::internal, "Hyperscan: cannot allocate scratch");
  prototype_.reset(scratch);
}

ScratchPool::Lease ScratchPool::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      HsScratch s = std::move(free_.back());
      free_.pop_back();
      return Lease(*this, std::move(s));
    }
  }
  hs_scratch_t* clone = nullptr;
  if (hs_clone_scratch(prototype_.get(), &clone) != HS_SUCCESS)
    throw Error(ErrorKind::internal, "Hyperscan: cannot clone scratch");
  return Lease(*this, HsScratch(clone));
}

void ScratchPool::give_back(HsScratch scratch) {
  std::lock_guard lock(mutex_);
  free_.push_back(std::move(scratch));
}

}  // namespace trawl::detail
