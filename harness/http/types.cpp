#include "harness/http/types.hpp"

#include <charconv>

#include <fmt/format.h>

namespace loadgen::http {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "none";
    case ErrorKind::kConnectRefused: return "connect_refused";
    case ErrorKind::kConnectTimeout: return "connect_timeout";
    case ErrorKind::kConnectError: return "connect_error";
    case ErrorKind::kReset: return "reset";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kBadStatus: return "bad_status";
    case ErrorKind::kCheckFailed: return "check_failed";
    case ErrorKind::kProtocol: return "protocol";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kExtractMissing: return "extract_missing";
    case ErrorKind::kUntilTimeout: return "until_timeout";
    case ErrorKind::kFeedExhausted: return "feed_exhausted";
    case ErrorKind::kCount_: break;
  }
  return "unknown";
}

std::string Endpoint::host_header() const {
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::string h = ipv6 ? "[" + host + "]" : host;
  return default_port ? h : fmt::format("{}:{}", h, port);
}

bool parse_base_url(std::string_view url, Endpoint& out, std::string& error) {
  Endpoint e;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    e.tls = true;
    url.remove_prefix(8);
  } else {
    error = fmt::format("'{}' must start with http:// or https://", url);
    return false;
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    e.base_path = std::string(url.substr(slash));
    while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated [IPv6] address in URL";
      return false;
    }
    e.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (e.host.empty()) {
    error = "URL has no host";
    return false;
  }
  e.port = e.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) {
      error = fmt::format("'{}' is not a port (1..65535)", port_text);
      return false;
    }
    e.port = static_cast<uint16_t>(p);
  }
  out = std::move(e);
  return true;
}

}  // namespace loadgen::http
