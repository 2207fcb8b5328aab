#pragma once

// Internal to the load engine (includes Asio). target.http: auto on https lets the server
// choose: one TLS handshake before the run, offering h2 and http/1.1, says which it speaks.
#include <chrono>
#include <optional>

#include "harness/http/connection.hpp"

namespace loadgen::http {

// The protocol the server chose by ALPN (HTTP/1.1 when it chose none); nothing when the
// handshake failed (the run's own connections then report why, request by request).
std::optional<Protocol> probe_alpn(net::ip::tcp::endpoint endpoint, const Endpoint& target,
                                   net::ssl::context& tls_context, std::chrono::milliseconds timeout);

}  // namespace loadgen::http
