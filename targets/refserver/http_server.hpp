#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "harness/core/expected.hpp"
#include "targets/refserver/http_types.hpp"

// The HTTP/1.1 server: keep-alive connections, header and body limits, a timeout on every
// read and write, one io_context run by `threads` threads with a strand per connection, and a
// graceful drain on SIGTERM/SIGINT. Beast and Asio stay inside http_server.cpp.
namespace loadgen::refserver {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  int threads = 1;
  std::size_t max_body_bytes = 1024 * 1024;       // larger bodies: 413, then the connection closes
  std::size_t max_header_bytes = 16 * 1024;       // larger header blocks: 431
  std::chrono::milliseconds read_timeout{10000};  // to read one request or write one response
  std::chrono::milliseconds idle_timeout{30000};  // between requests on a kept-alive connection
};

class HttpServerCore;

// Called on an I/O thread for every complete request; must not throw.
using RequestHandler = std::function<Response(Request&&)>;

class HttpServer {
 public:
  // Starts the I/O threads and catches SIGTERM and SIGINT at once, so a signal during a long
  // start-up begins the drain instead of killing the process.
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Returns the bound port (the chosen one for port 0), or a
  // one-line error such as "cannot listen on 127.0.0.1:80: Permission denied".
  core::Expected<std::uint16_t> listen();

  // Begins the drain: stop accepting, close idle connections, let in-flight requests finish
  // (their responses say Connection: close). Thread-safe and idempotent.
  void stop();
  // True once a signal arrived or stop() was called.
  bool stopping() const;

  // Blocks until the drain has begun and every connection has finished, then joins the I/O
  // threads.
  void wait();

 private:
  std::shared_ptr<HttpServerCore> impl_;
};

}  // namespace loadgen::refserver
