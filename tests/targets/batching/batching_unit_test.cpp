// The batcher's single-threaded pieces: options and SQL text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/batching/add_mode.hpp"
#include "targets/batching/batcher_options.hpp"
#include "targets/batching/sql_text.hpp"

namespace loadgen::targets {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

TEST(BatcherOptions, DefaultsAreValid) {
  EXPECT_TRUE(BatcherOptions{}.validate().empty());
}

TEST(BatcherOptions, ReportsEveryProblemAtOnce) {
  BatcherOptions options;
  options.max_batch_items = 500;
  options.capacity = 100;
  options.max_age = std::chrono::nanoseconds(0);
  options.max_attempts = 0;
  options.retry_backoff = std::chrono::seconds(5);
  const auto problems = options.validate();
  EXPECT_EQ(problems.size(), 4u);
  EXPECT_THAT(problems,
              Contains(HasSubstr("capacity (100) must be at least max_batch_items (500)")));
  EXPECT_THAT(problems, Contains(HasSubstr("max_age")));
  EXPECT_THAT(problems, Contains(HasSubstr("max_attempts")));
  EXPECT_THAT(problems, Contains(HasSubstr("max_retry_backoff")));
}

TEST(SqlText, QuotesIdentifiersSoNamesCannotInjectSql) {
  EXPECT_EQ(quote_identifier("items"), "\"items\"");
  EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_identifier("x\"); DROP TABLE t; --"), "\"x\"\"); DROP TABLE t; --\"");
}

TEST(SqlText, InsertHasOnePlaceholderPerColumn) {
  EXPECT_EQ(insert_statement("items", {"id", "created_at", "name", "payload"}),
            "INSERT INTO \"items\" (\"id\", \"created_at\", \"name\", \"payload\") "
            "VALUES (?, ?, ?, ?)");
}

TEST(AddStatusNames, ReadWell) {
  EXPECT_EQ(to_string(AddStatus::kBufferFull), "buffer full");
  EXPECT_EQ(to_string(AddStatus::kClosed), "closed");
}

}  // namespace
}  // namespace loadgen::targets
