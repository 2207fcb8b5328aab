#include <string>
#include <vector>

#include <sqlite3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/pagination/queries.hpp"
#include "tests/targets/pagination/test_support.hpp"

namespace loadgen::targets {
namespace {

using pagination_test::exec;
using pagination_test::open_seeded;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The "detail" column of EXPLAIN QUERY PLAN for `query`, one line per plan step.
std::string query_plan(sqlite3* db, const char* query) {
  const std::string explain = std::string("EXPLAIN QUERY PLAN ") + query;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, explain.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << explain << ": " << sqlite3_errmsg(db);
    return {};
  }
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    plan += '\n';
  }
  sqlite3_finalize(stmt);
  return plan;
}

// Checked with and without statistics, since ANALYZE can change the planner's mind.
class PaginationQueryPlan : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      exec(db_.handle(), "ANALYZE");
    }
  }
  Database db_ = open_seeded(":memory:", 2000);
};

TEST_P(PaginationQueryPlan, KeysetPageSeeksTheIndexWithoutSorting) {
  // SEARCH is a seek to the cursor's position; SCAN would read from the start of the table.
  EXPECT_THAT(query_plan(db_.handle(), sql::kPageAfter),
              AllOf(HasSubstr("SEARCH items USING INDEX items_created_at_id (created_at>?)"),
                    Not(HasSubstr("TEMP B-TREE"))));
}

TEST_P(PaginationQueryPlan, FirstAndOffsetPagesWalkTheIndexWithoutSorting) {
  for (const char* query : {sql::kFirstPage, sql::kPageAtOffset}) {
    EXPECT_THAT(query_plan(db_.handle(), query),
                AllOf(HasSubstr("USING INDEX items_created_at_id"), Not(HasSubstr("TEMP B-TREE"))))
        << query;
  }
}

INSTANTIATE_TEST_SUITE_P(Statistics, PaginationQueryPlan, ::testing::Bool(),
                         [](const auto& test) { return test.param ? "Analyzed" : "Fresh"; });

}  // namespace
}  // namespace loadgen::targets
