#include "harness/load/redirect.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace loadgen::load {
namespace {

char lower_ascii(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool same_text_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

// RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':'. The length of
// the scheme, or 0 when the reference has none (it is relative).
size_t scheme_length(std::string_view ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref.front()))) return 0;
  for (size_t i = 1; i < ref.size(); ++i) {
    const char c = ref[i];
    if (c == ':') return i;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

// Bytes a request line cannot carry as they are (spaces, controls, non-ASCII) percent-encoded,
// as browsers do with a sloppy Location; a CR or LF can then never reach the request's bytes.
std::string encode_unsafe_bytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  return out;
}

// Whether an authority ("user@host:port", "[::1]:8080") names the origin's host and port.
bool authority_matches(const http::Endpoint& origin, std::string_view authority, bool tls) {
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port_text = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  unsigned port = tls ? 443 : 80;
  if (!port_text.empty()) {  // "host:" is the default port (RFC 3986 3.2.3)
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size()) return false;
  }
  return tls == origin.tls && port == origin.port && same_text_ci(host, origin.host);
}

// A path and an optional query ("/a?x" or "/a"), put together again after resolution.
std::string with_query(std::string_view path, std::optional<std::string_view> query) {
  std::string out(path.empty() ? "/" : path);
  if (query) out.append("?").append(*query);
  return out;
}

}  // namespace

RedirectMethod redirected_method(int status, std::string_view method) {
  const bool to_get = method != "HEAD" && (status == 303 || ((status == 301 || status == 302) && method == "POST"));
  if (to_get) return {"GET", false};
  return {std::string(method), true};
}

std::string remove_dot_segments(std::string_view in) {
  // RFC 3986 5.2.4, step by step: the input buffer is consumed from the left.
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const auto last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const auto next = in.find('/', 1);
      const auto segment = in.substr(0, next);
      out.append(segment);
      in.remove_prefix(segment.size());
    }
  }
  return out;
}

ResolvedLocation resolve_location(const http::Endpoint& origin, std::string_view current,
                                  std::string_view location_in) {
  const std::string encoded = encode_unsafe_bytes(location_in);
  std::string_view ref = encoded;
  ref = ref.substr(0, ref.find('#'));  // a fragment is never sent
  bool tls = origin.tls;
  if (const size_t scheme = scheme_length(ref); scheme > 0) {
    const auto name = ref.substr(0, scheme);
    if (same_text_ci(name, "https")) {
      tls = true;
    } else if (same_text_ci(name, "http")) {
      tls = false;
    } else {
      return {};  // ftp:, mailto:, ... : not this target
    }
    ref.remove_prefix(scheme + 1);
    if (!ref.starts_with("//")) return {};  // "http:x" names no host: not followed
  }
  // Split the reference into authority, path and query.
  std::optional<std::string_view> authority;
  if (ref.starts_with("//")) {
    ref.remove_prefix(2);
    const auto end = ref.find_first_of("/?");
    authority = ref.substr(0, end);
    ref = end == std::string_view::npos ? std::string_view() : ref.substr(end);
  }
  std::optional<std::string_view> query;
  std::string_view path = ref;
  if (const auto q = ref.find('?'); q != std::string_view::npos) {
    query = ref.substr(q + 1);
    path = ref.substr(0, q);
  }
  ResolvedLocation out;
  if (authority) {
    if (!authority_matches(origin, *authority, tls)) return {};
    out.same_origin = true;
    out.target = with_query(remove_dot_segments(path), query);
    return out;
  }
  out.same_origin = true;
  const auto current_path = current.substr(0, current.find('?'));
  if (path.empty()) {
    // "?q" keeps the path; "" (only a fragment) is the same URL again.
    out.target = query ? with_query(current_path, query) : std::string(current);
  } else if (path.starts_with('/')) {
    out.target = with_query(remove_dot_segments(path), query);
  } else {
    // RFC 3986 5.2.3: the current path up to its last '/', then the reference.
    const auto slash = current_path.rfind('/');
    std::string merged(slash == std::string_view::npos ? std::string_view("/") : current_path.substr(0, slash + 1));
    merged.append(path);
    out.target = with_query(remove_dot_segments(merged), query);
  }
  return out;
}

RedirectChain::RedirectChain(const http::Endpoint& origin, int max_redirects, std::string_view method,
                             std::string_view target)
    : origin_(origin), max_redirects_(max_redirects), method_(method), target_(target) {
  seen_.push_back(method_ + " " + target_);
}

RedirectStep RedirectChain::next(int status, const std::string* location) {
  RedirectStep step;
  if (!is_followed_redirect(status)) return step;  // the final response
  if (location == nullptr || location->empty()) {
    step.error = http::ErrorKind::kRedirectNoLocation;
    step.detail = fmt::format("HTTP {} without a Location header (after {} {})", status, method_, target_);
    return step;
  }
  if (hops_ >= max_redirects_) {
    step.error = http::ErrorKind::kRedirectLimit;
    step.detail = fmt::format("more than {} redirects (max_redirects: {}); the next was HTTP {} to {}",
                              max_redirects_, max_redirects_, status, *location);
    return step;
  }
  auto resolved = resolve_location(origin_, target_, *location);
  if (!resolved.same_origin) {
    step.error = http::ErrorKind::kRedirectOffOrigin;
    step.detail = fmt::format("redirect to another origin: {}", *location);
    return step;
  }
  auto method = redirected_method(status, method_);
  std::string key = method.method + " " + resolved.target;
  if (std::find(seen_.begin(), seen_.end(), key) != seen_.end()) {
    step.error = http::ErrorKind::kRedirectLoop;
    step.detail = fmt::format("redirect loop: HTTP {} from {} {} back to {}, already requested in this chain", status,
                              method_, target_, key);
    return step;
  }
  seen_.push_back(std::move(key));
  ++hops_;
  method_ = method.method;
  target_ = resolved.target;
  step.follow = true;
  step.method = std::move(method.method);
  step.target = std::move(resolved.target);
  step.keep_body = method.keep_body;
  return step;
}

http::Request next_hop(const http::Request& previous, const RedirectStep& step) {
  http::Request next = previous;
  next.wire = nullptr;
  next.method = step.method;
  next.target = step.target;
  if (!step.keep_body) {
    next.body.clear();
    std::erase_if(next.headers, [](const auto& h) {
      return same_text_ci(h.first, "content-type") || same_text_ci(h.first, "content-encoding") ||
             same_text_ci(h.first, "content-language") || same_text_ci(h.first, "content-location");
    });
  }
  return next;
}

const std::string* location_of(const http::Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (same_text_ci(name, "location")) return &value;
  }
  return nullptr;
}

}  // namespace loadgen::load
