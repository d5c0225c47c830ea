// RAII over Hyperscan's C handles, at the boundary: an immutable compiled database shared by
// all threads, and scratch space per thread taken from a pool.
#pragma once

#include <hs.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace trawl::detail {

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

struct HsExpression {
  std::string expression;
  unsigned flags = 0;
  std::string name;  // said in compile errors ("rule phone-international (utf16le)")
};

// Compiles expressions for block mode; expression i reports id i. Throws Error(options) naming
// the expression that failed.
HsDatabase compile_block_database(const std::vector<HsExpression>& expressions);
// Literal patterns (bytes, NULs allowed) for block mode, id i = literal i.
HsDatabase compile_literal_database(const std::vector<HsExpression>& literals);

// Scratch space for one database: workers borrow one each, and return it when done.
class ScratchPool {
 public:
  explicit ScratchPool(const hs_database_t* db);
  class Lease {
   public:
    Lease(ScratchPool& pool, HsScratch scratch) : pool_(pool), scratch_(std::move(scratch)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.give_back(std::move(scratch_)); }
    hs_scratch_t* get() const { return scratch_.get(); }

   private:
    ScratchPool& pool_;
    HsScratch scratch_;
  };
  Lease borrow();

 private:
  void give_back(HsScratch scratch);
  HsScratch prototype_;  // cloned for each new worker (hs_clone_scratch)
  std::mutex mutex_;
  std::vector<HsScratch> free_;
};

}  // namespace trawl::detail
