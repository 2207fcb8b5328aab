#include "harness/load/response_check.hpp"

#include <gtest/gtest.h>

namespace loadgen::load {
namespace {

using http::ErrorKind;

http::Response response(int status, std::string body = "") {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ResponseCheck, DefaultAcceptsSuccessAndRedirects) {
  const scenario::Check any;
  EXPECT_EQ(check_response(any, response(200)), ErrorKind::kNone);
  EXPECT_EQ(check_response(any, response(304)), ErrorKind::kNone);
  EXPECT_EQ(check_response(any, response(404)), ErrorKind::kBadStatus);
  EXPECT_EQ(check_response(any, response(503)), ErrorKind::kBadStatus);
}

TEST(ResponseCheck, ExactStatusesAndClasses) {
  scenario::Check exact;
  exact.statuses = {200, 201};
  EXPECT_EQ(check_response(exact, response(201)), ErrorKind::kNone);
  EXPECT_EQ(check_response(exact, response(204)), ErrorKind::kBadStatus);
  scenario::Check klass;
  klass.status_class = 4;
  EXPECT_EQ(check_response(klass, response(409)), ErrorKind::kNone);
  EXPECT_EQ(check_response(klass, response(200)), ErrorKind::kBadStatus);
}

TEST(ResponseCheck, BodyAndJsonConditions) {
  scenario::Check c;
  c.body_contains = "done";
  c.json_equals = {{"/status", "\"done\""}, {"/n", "3"}};
  EXPECT_EQ(check_response(c, response(200, R"({"status":"done","n":3})")), ErrorKind::kNone);
  EXPECT_EQ(check_response(c, response(200, R"({"status":"done","n":4})")), ErrorKind::kCheckFailed);
  EXPECT_EQ(check_response(c, response(200, R"({"status":"queued"})")), ErrorKind::kCheckFailed);
  EXPECT_EQ(check_response(c, response(200, "not json but done")), ErrorKind::kCheckFailed);
  EXPECT_EQ(check_response(c, response(500, R"({"status":"done","n":3})")), ErrorKind::kBadStatus);
}

}  // namespace
}  // namespace loadgen::load
