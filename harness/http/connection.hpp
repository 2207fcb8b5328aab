#pragma once

// Internal to the load engine: includes Asio. One keep-alive HTTP/1.1 connection (plain or
// TLS) that sends one request at a time and reads the whole response; HTTP/2 connections
// (h2_pool.hpp) are leased through the same interface.
#include <atomic>
#include <cstddef>
#include <memory>

#include "harness/core/asio.hpp"
#include "harness/core/expected.hpp"
#include "harness/http/types.hpp"

namespace boost::asio::ssl {
class context;
}

namespace loadgen::http {

namespace net = boost::asio;

struct ConnectionOptions {
  uint64_t body_limit = 64ull << 20;  // larger kept bodies are protocol errors
  bool keep_headers = false;          // response headers cost an allocation each: only on demand
  // Counts each connection established, by the protocol it speaks (indexed by Protocol).
  std::atomic<uint64_t>* opened = nullptr;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Sends `request` and reads its response. Never throws: failures come back classified in
  // Response::error. A connection whose exchange failed, or whose peer asked to close, is
  // not reusable (reusable() turns false).
  virtual net::awaitable<Response> exchange(const Request& request) = 0;
  virtual bool reusable() const = 0;
  virtual void close() = 0;

  // Free for the owner's bookkeeping (the load engine: the connection's place in its list of
  // busy connections, so that leaving the list is O(1) and allocates nothing).
  size_t owner_slot = 0;
};

// `tls_context` must outlive the connection; pass nullptr for plain HTTP.
std::unique_ptr<Connection> make_connection(net::any_io_executor executor, net::ip::tcp::endpoint endpoint,
                                            const Endpoint& target, net::ssl::context* tls_context,
                                            ConnectionOptions options);

// The client's TLS settings for every connection to `target`: the server verified against the
// system's CA store (or target.tls_options.ca_file) unless verify is off, a client certificate
// for mutual TLS. Fails when a file cannot be read, saying which.
core::Expected<std::shared_ptr<net::ssl::context>> make_client_tls_context(const Endpoint& target);

}  // namespace loadgen::http
