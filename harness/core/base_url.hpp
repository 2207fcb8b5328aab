#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"

// A target's base URL taken apart, by the one rule the scenario loader (validate) and the
// HTTP client (run) both apply, so that a URL `validate` accepts is one `run` can use.
namespace loadgen::core {

struct BaseUrl {
  bool tls = false;
  std::string host;       // without brackets for IPv6
  uint16_t port = 0;      // 80 or 443 when not given
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

// http:// or https://, a host, an optional port in 1..65535, an optional path; no query, no
// fragment, no user info. The failure says what is wrong, e.g. "'99999' is not a port (1..65535)".
Expected<BaseUrl> parse_base_url(std::string_view url);

}  // namespace loadgen::core
