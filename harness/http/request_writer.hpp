#pragma once

#include <string>
#include <string_view>

#include "harness/http/types.hpp"

// HTTP/1.1 request bytes, written into a buffer the connection reuses: a load generator
// sends the same few shapes of request over and over, so building them as one string (no
// per-field allocations) is most of what keeps the client cheap.
namespace loadgen::http {

// Replaces `out` with the request line, the headers and the body. Host and User-Agent are
// added unless the request sets them; Content-Length is always computed here (a user's own
// Content-Length or Transfer-Encoding header is left out), and sent for any body and for
// POST, PUT and PATCH even when empty.
// `host_header` is Endpoint::host_header(), worked out once per connection.
void write_request(const Request& request, std::string_view host_header, std::string& out);

}  // namespace loadgen::http
