#include "harness/load/redirect.hpp"

#include <gtest/gtest.h>

namespace loadgen::load {
namespace {

using http::ErrorKind;

http::Endpoint redirect_origin(std::string_view url = "http://127.0.0.1:8080/api") {
  http::Endpoint e;
  std::string error;
  EXPECT_TRUE(http::parse_base_url(url, e, error)) << error;
  return e;
}

std::string resolved_target(std::string_view current, std::string_view location) {
  const auto r = resolve_location(redirect_origin(), current, location);
  return r.same_origin ? r.target : "<off origin>";
}

TEST(Redirect, FollowsOnlyTheStatusesThatNameTheNextRequest) {
  for (const int status : {301, 302, 303, 307, 308}) EXPECT_TRUE(is_followed_redirect(status)) << status;
  for (const int status : {200, 300, 304, 305, 306, 309, 404}) EXPECT_FALSE(is_followed_redirect(status)) << status;
}

TEST(Redirect, RelativeLocationsResolveAgainstTheCurrentUrl) {
  // RFC 3986 5.4.1's examples, on a base of http://127.0.0.1:8080/b/c/d;p?q.
  const std::string base = "/b/c/d;p?q";
  EXPECT_EQ(resolved_target(base, "g"), "/b/c/g");
  EXPECT_EQ(resolved_target(base, "./g"), "/b/c/g");
  EXPECT_EQ(resolved_target(base, "g/"), "/b/c/g/");
  EXPECT_EQ(resolved_target(base, "/g"), "/g");
  EXPECT_EQ(resolved_target(base, "?y"), "/b/c/d;p?y");
  EXPECT_EQ(resolved_target(base, "g?y"), "/b/c/g?y");
  EXPECT_EQ(resolved_target(base, "#s"), "/b/c/d;p?q");
  EXPECT_EQ(resolved_target(base, "g#s"), "/b/c/g");
  EXPECT_EQ(resolved_target(base, ";x"), "/b/c/;x");
  EXPECT_EQ(resolved_target(base, "."), "/b/c/");
  EXPECT_EQ(resolved_target(base, ".."), "/b/");
  EXPECT_EQ(resolved_target(base, "../g"), "/b/g");
  EXPECT_EQ(resolved_target(base, "../.."), "/");
  EXPECT_EQ(resolved_target(base, "../../../g"), "/g");
  EXPECT_EQ(resolved_target(base, "/./g"), "/g");
  EXPECT_EQ(resolved_target(base, "/../g"), "/g");
  EXPECT_EQ(resolved_target(base, "g/../h"), "/b/c/h");
}

TEST(Redirect, AbsoluteAndNetworkPathLocationsOnTheSameOriginAreFollowed) {
  EXPECT_EQ(resolved_target("/a", "http://127.0.0.1:8080/x?y=1"), "/x?y=1");
  EXPECT_EQ(resolved_target("/a", "HTTP://127.0.0.1:8080/x"), "/x");
  EXPECT_EQ(resolved_target("/a", "//127.0.0.1:8080/x"), "/x");
  EXPECT_EQ(resolved_target("/a", "http://127.0.0.1:8080"), "/");
  EXPECT_EQ(resolved_target("/a", "http://127.0.0.1:8080?q"), "/?q");
  // The default port, given or not, is the same origin.
  const auto plain = redirect_origin("http://example.test");
  EXPECT_TRUE(resolve_location(plain, "/", "http://EXAMPLE.test:80/x").same_origin);
  EXPECT_TRUE(resolve_location(plain, "/", "http://example.test/x").same_origin);
  const auto v6 = redirect_origin("https://[::1]:8443");
  EXPECT_EQ(resolve_location(v6, "/", "https://[::1]:8443/x").target, "/x");
}

TEST(Redirect, AnotherSchemeHostOrPortIsNotTheSameOrigin) {
  for (const std::string_view location :
       {"http://203.0.113.1/x", "https://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", "http://localhost:8080/x",
        "//203.0.113.1/x", "//127.0.0.1/x", "ftp://127.0.0.1:8080/x", "mailto:someone@example.test",
        "http:/x", "http://127.0.0.1:8080@203.0.113.1/x", "http://127.0.0.1:bad/x"}) {
    EXPECT_FALSE(resolve_location(redirect_origin(), "/a", location).same_origin) << location;
  }
}

TEST(Redirect, UnsafeBytesInALocationAreEncoded) {
  EXPECT_EQ(resolved_target("/a", "/b c"), "/b%20c");
  EXPECT_EQ(resolved_target("/a", "/b\r\nX-Evil: 1"), "/b%0D%0AX-Evil:%201");
  EXPECT_EQ(resolved_target("/a", "/caf\xc3\xa9"), "/caf%C3%A9");
}

TEST(Redirect, DotSegments) {
  EXPECT_EQ(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(remove_dot_segments("mid/content=5/../6"), "mid/6");
  EXPECT_EQ(remove_dot_segments("/.."), "/");
  EXPECT_EQ(remove_dot_segments("/a/."), "/a/");
}

TEST(Redirect, MethodRewriting) {
  auto method = [](int status, std::string_view m) {
    const auto r = redirected_method(status, m);
    return r.method + (r.keep_body ? "+body" : "");
  };
  EXPECT_EQ(method(301, "POST"), "GET");
  EXPECT_EQ(method(302, "POST"), "GET");
  EXPECT_EQ(method(303, "POST"), "GET");
  EXPECT_EQ(method(303, "PUT"), "GET");
  EXPECT_EQ(method(303, "DELETE"), "GET");
  EXPECT_EQ(method(303, "HEAD"), "HEAD+body");
  EXPECT_EQ(method(302, "HEAD"), "HEAD+body");
  EXPECT_EQ(method(301, "PUT"), "PUT+body");  // only a POST turns into a GET on 301/302
  EXPECT_EQ(method(302, "GET"), "GET+body");
  EXPECT_EQ(method(307, "POST"), "POST+body");
  EXPECT_EQ(method(308, "PATCH"), "PATCH+body");
}

TEST(Redirect, TheNextHopDropsTheBodyAndItsHeadersWhenTheMethodChanges) {
  http::Request post;
  post.method = "POST";
  post.target = "/form";
  post.body = R"({"a":1})";
  post.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer t"}, {"content-encoding", "x"}};
  RedirectStep step;
  step.follow = true;
  step.method = "GET";
  step.target = "/done";
  step.keep_body = false;
  const auto get = next_hop(post, step);
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, "/done");
  EXPECT_TRUE(get.body.empty());
  ASSERT_EQ(get.headers.size(), 1u);
  EXPECT_EQ(get.headers[0].first, "Authorization");

  step.method = "POST";
  step.keep_body = true;
  const auto again = next_hop(post, step);
  EXPECT_EQ(again.body, post.body);
  EXPECT_EQ(again.headers.size(), 3u);
}

TEST(Redirect, AChainFollowsUpToItsLimit) {
  const auto origin = redirect_origin();
  RedirectChain chain(origin, 2, "GET", "/a");
  const std::string to_b = "/b", to_c = "c", to_d = "/d";
  auto step = chain.next(302, &to_b);
  ASSERT_TRUE(step.follow);
  EXPECT_EQ(step.target, "/b");
  step = chain.next(301, &to_c);
  ASSERT_TRUE(step.follow);
  EXPECT_EQ(step.target, "/c");
  EXPECT_EQ(chain.hops(), 2);
  step = chain.next(302, &to_d);
  EXPECT_FALSE(step.follow);
  EXPECT_EQ(step.error, ErrorKind::kRedirectLimit);
  EXPECT_NE(step.detail.find("more than 2 redirects"), std::string::npos) << step.detail;
  EXPECT_EQ(chain.hops(), 2);
  // The final response of a chain is whatever is not a redirect.
  const auto final_step = chain.next(200, nullptr);
  EXPECT_FALSE(final_step.follow);
  EXPECT_EQ(final_step.error, ErrorKind::kNone);
}

TEST(Redirect, ALoopIsARequestSentTwiceInOneChain) {
  const auto origin = redirect_origin();
  RedirectChain chain(origin, 10, "GET", "/a");
  const std::string to_b = "/b", to_a = "/a";
  ASSERT_TRUE(chain.next(302, &to_b).follow);
  const auto step = chain.next(302, &to_a);
  EXPECT_EQ(step.error, ErrorKind::kRedirectLoop);
  EXPECT_NE(step.detail.find("GET /a"), std::string::npos) << step.detail;
  // Post/Redirect/Get to the same URL is no loop: the method differs.
  RedirectChain prg(origin, 10, "POST", "/form");
  const std::string to_form = "/form";
  const auto get = prg.next(303, &to_form);
  ASSERT_TRUE(get.follow);
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(prg.next(303, &to_form).error, ErrorKind::kRedirectLoop);
}

TEST(Redirect, NoLocationAndAnotherOriginEndTheChainWithTheirOwnErrors) {
  const auto origin = redirect_origin();
  RedirectChain chain(origin, 10, "GET", "/a");
  EXPECT_EQ(chain.next(302, nullptr).error, ErrorKind::kRedirectNoLocation);
  const std::string empty;
  EXPECT_EQ(chain.next(307, &empty).error, ErrorKind::kRedirectNoLocation);
  const std::string away = "http://203.0.113.1/x";
  const auto step = chain.next(302, &away);
  EXPECT_FALSE(step.follow);
  EXPECT_EQ(step.error, ErrorKind::kRedirectOffOrigin);
  EXPECT_EQ(step.detail, "redirect to another origin: http://203.0.113.1/x");
  EXPECT_EQ(chain.hops(), 0);
}

TEST(Redirect, ErrorKindsHaveTheirNames) {
  EXPECT_EQ(http::to_string(ErrorKind::kRedirectLoop), "redirect_loop");
  EXPECT_EQ(http::to_string(ErrorKind::kRedirectNoLocation), "redirect_no_location");
  EXPECT_EQ(http::to_string(ErrorKind::kRedirectLimit), "redirect_limit");
  EXPECT_EQ(http::to_string(ErrorKind::kRedirectOffOrigin), "redirect_off_origin");
  // A redirect that cannot be followed is a response that arrived, not a transport failure.
  EXPECT_TRUE(http::got_response(ErrorKind::kRedirectOffOrigin));
  EXPECT_FALSE(http::is_transport_error(ErrorKind::kRedirectLoop));
}

TEST(Redirect, LocationHeaderIsFoundWhateverItsCase) {
  http::Response r;
  r.headers = {{"X-Other", "1"}, {"location", "/x"}};
  ASSERT_NE(location_of(r), nullptr);
  EXPECT_EQ(*location_of(r), "/x");
  r.headers.clear();
  EXPECT_EQ(location_of(r), nullptr);
}

}  // namespace
}  // namespace loadgen::load
