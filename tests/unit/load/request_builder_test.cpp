#include <gtest/gtest.h>

#include "harness/http/request_writer.hpp"
#include "harness/load/request_builder.hpp"

namespace loadgen::load {
namespace {

scenario::Template tmpl(std::string_view text) { return scenario::Template::parse(text).value(); }

http::Endpoint endpoint() {
  http::Endpoint e;
  std::string error;
  EXPECT_TRUE(http::parse_base_url("http://127.0.0.1:8080/api", e, error)) << error;
  return e;
}

scenario::RequestSpec spec(std::string method, std::string_view path) {
  scenario::RequestSpec s;
  s.method = std::move(method);
  s.path = tmpl(path);
  s.timeout = std::chrono::milliseconds(250);
  return s;
}

TEST(RequestBuilder, ARequestThatNeverChangesComesWrittenOnce) {
  auto post = spec("POST", "/items?x=1");
  post.headers.push_back({"Content-Type", tmpl("application/json")});
  post.body = tmpl(R"({"a":1})");
  const std::vector<scenario::RequestSpec> specs = {post};
  RequestBuilder builder(specs, endpoint(), 1);

  const auto first = builder.build(0, 1, 0);
  const auto second = builder.build(0, 2, 0);
  ASSERT_NE(first.wire, nullptr);
  EXPECT_EQ(first.wire, second.wire);  // the same bytes, not written again
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.timeout, std::chrono::milliseconds(250));

  http::Request rendered;
  rendered.method = "POST";
  rendered.target = "/api/items?x=1";
  rendered.headers = {{"Content-Type", "application/json"}};
  rendered.body = R"({"a":1})";
  std::string expected;
  http::write_request(rendered, "127.0.0.1:8080", expected);
  EXPECT_EQ(*first.wire, expected);
}

TEST(RequestBuilder, ARequestWithVariablesIsRenderedEachTime) {
  auto by_seq = spec("GET", "/items/${seq}");
  auto by_header = spec("GET", "/items");
  by_header.headers.push_back({"X-Request-Id", tmpl("${uuid}")});
  const std::vector<scenario::RequestSpec> specs = {by_seq, by_header};
  RequestBuilder builder(specs, endpoint(), 1);

  const auto a = builder.build(0, 7, 0);
  const auto b = builder.build(0, 8, 0);
  EXPECT_EQ(a.wire, nullptr);
  EXPECT_EQ(a.target, "/api/items/7");
  EXPECT_EQ(b.target, "/api/items/8");

  const auto c = builder.build(1, 1, 0);
  const auto d = builder.build(1, 2, 0);
  EXPECT_EQ(c.wire, nullptr);
  ASSERT_EQ(c.headers.size(), 1u);
  EXPECT_NE(c.headers[0].second, d.headers[0].second);
}

// A redirect sends the request on with its headers and body: a prepared request gives them back.
TEST(RequestBuilder, APreparedRequestGivesBackItsPartsForARedirect) {
  auto post = spec("POST", "/items");
  post.headers.push_back({"Content-Type", tmpl("application/json")});
  post.body = tmpl(R"({"a":1})");
  post.check.body_contains = "ok";
  const std::vector<scenario::RequestSpec> specs = {post, spec("GET", "/items/${seq}")};
  RequestBuilder builder(specs, endpoint(), 1);

  const auto prepared = builder.build(0, 1, 0);
  ASSERT_NE(prepared.wire, nullptr);
  const auto parts = builder.unprepared(prepared, specs[0]);
  EXPECT_EQ(parts.wire, nullptr);
  EXPECT_EQ(parts.method, "POST");
  EXPECT_EQ(parts.target, "/api/items");
  EXPECT_EQ(parts.body, R"({"a":1})");
  ASSERT_EQ(parts.headers.size(), 1u);
  EXPECT_TRUE(parts.keep_body);
  EXPECT_EQ(parts.timeout, std::chrono::milliseconds(250));

  const auto rendered = builder.build(1, 7, 0);  // not prepared: given back as it is
  EXPECT_EQ(builder.unprepared(rendered, specs[1]).target, "/api/items/7");
}

}  // namespace
}  // namespace loadgen::load
