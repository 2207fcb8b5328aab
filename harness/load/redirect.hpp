#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/http/types.hpp"

// Following HTTP redirects, the pure part: which statuses are followed, the method and body of
// the next hop, where a Location points (RFC 3986 reference resolution), and when a chain
// must end in an error. No I/O: the worker (worker.cpp) sends the hops. Never throws.
namespace loadgen::load {

// 301, 302, 303, 307 and 308: the redirects that name their next request in Location. (300,
// 304 and 305 are not followed: they are answers.)
constexpr bool is_followed_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The next hop's method, and whether it carries the body on (RFC 9110 15.4, as browsers and
// curl do): 303 turns anything but HEAD into a GET without body; 301 and 302 turn a POST into
// a GET without body; 307 and 308 keep both.
struct RedirectMethod {
  std::string method;
  bool keep_body = true;
};
RedirectMethod redirected_method(int status, std::string_view method);

// A Location resolved against the URL just requested (RFC 3986 section 5.2): `/x`, `x`, `?q`,
// `//host/x` and absolute URLs. A URL on another scheme, host or port than `origin` is not
// same_origin (and has no target): loadgen never sends to an address it was not given.
struct ResolvedLocation {
  bool same_origin = false;
  std::string target;  // path and query of the next request, dot segments removed
};
// `current`: the path and query just requested ("/api/a?x=1"); `location`: the header's value.
ResolvedLocation resolve_location(const http::Endpoint& origin, std::string_view current, std::string_view location);

// RFC 3986 5.2.4: "/a/b/../c/./d" is "/a/c/d".
std::string remove_dot_segments(std::string_view path);

// What to do after one response of a chain.
struct RedirectStep {
  bool follow = false;  // send `method` to `target` next; else the response ends the chain
  std::string method;
  std::string target;
  bool keep_body = true;
  // The chain ends in this error (kNone: the response is the final one, as it is).
  http::ErrorKind error = http::ErrorKind::kNone;
  std::string detail;  // for the first errors of the kind
};

// One request's redirects, from the request first sent to its final response. Only built for
// a response that is a redirect (is_followed_redirect), so a request that is not redirected
// costs nothing.
class RedirectChain {
 public:
  // `max_redirects` > 0 (0 turns following off: the 3xx is the answer, and no chain is made).
  RedirectChain(const http::Endpoint& origin, int max_redirects, std::string_view method, std::string_view target);

  // After a response with `status` and `location` (nullptr: it has none): follow, or the
  // chain's end, with an error when the redirect cannot be followed. In this order: no (or an
  // empty) Location is redirect_no_location, one more hop than max_redirects is
  // redirect_limit, another origin is redirect_off_origin, and a request (method and URL)
  // already sent in this chain is redirect_loop.
  RedirectStep next(int status, const std::string* location);
  int hops() const { return hops_; }  // redirects followed so far

 private:
  const http::Endpoint& origin_;
  int max_redirects_;
  int hops_ = 0;
  std::string method_;
  std::string target_;
  std::vector<std::string> seen_;  // "METHOD target" of each request sent in the chain
};

// The request that follows `step`: `previous` (its headers and body, not prepared bytes) sent
// to step.target with step.method, and without its body, nor the headers that describe it
// (Content-Type, -Encoding, -Language, -Location), when the step drops the body. Every other
// header goes on: the next hop is on the same origin.
http::Request next_hop(const http::Request& previous, const RedirectStep& step);

// The value of the response's Location header, or nullptr.
const std::string* location_of(const http::Response& response);

}  // namespace loadgen::load
