#include "harness/core/base_url.hpp"

#include <charconv>

#include <fmt/format.h>

namespace loadgen::core {

Expected<BaseUrl> parse_base_url(std::string_view url) {
  using Result = Expected<BaseUrl>;
  BaseUrl u;
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    u.tls = true;
    rest.remove_prefix(8);
  } else {
    return Result::failure(fmt::format("'{}' must start with http:// or https://", url));
  }
  if (rest.find('#') != std::string_view::npos) {
    return Result::failure(fmt::format("'{}' has a fragment (#...): a base URL cannot", url));
  }
  if (rest.find('?') != std::string_view::npos) {
    return Result::failure(fmt::format("'{}' has a query (?...): put it in each request's path", url));
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    u.base_path = std::string(rest.substr(slash));
    while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  }
  if (authority.find('@') != std::string_view::npos) {
    return Result::failure(fmt::format("'{}' has user info (user@host): give credentials as a header", url));
  }
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return Result::failure("unterminated [IPv6] address in URL");
    u.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Result::failure(fmt::format("'{}' after the [IPv6] address is not :port", after));
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (u.host.empty()) return Result::failure(fmt::format("'{}' has no host", url));
  u.port = u.tls ? 443 : 80;
  if (has_port) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) {
      return Result::failure(fmt::format("'{}' is not a port (1..65535)", port_text));
    }
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

}  // namespace loadgen::core
