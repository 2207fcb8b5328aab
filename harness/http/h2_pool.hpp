#pragma once

// Internal to the load engine (includes Asio): one worker's HTTP/2 connections, up to a cap,
// with requests spread over their streams. A lease is what the engine holds in place of an
// HTTP/1.1 connection: any number of leases share the pool's connections.
#include <memory>
#include <vector>

#include "harness/http/h2_session.hpp"

namespace loadgen::http {

class H2Pool {
 public:
  H2Pool(net::any_io_executor executor, net::ip::tcp::endpoint endpoint, const Endpoint& target,
         net::ssl::context* tls_context, ConnectionOptions options, int max_connections);

  // A handle that sends each exchange on the least loaded connection that has a free stream,
  // opening another while under the cap (else it waits for a stream on the least loaded one).
  std::unique_ptr<Connection> lease();
  // Nothing new will be sent: each connection closes once its last stream ends.
  void drain();
  // Ends every connection now (an aborted run).
  void close_all();

  std::shared_ptr<H2Session> pick();
  const net::any_io_executor& executor() const { return executor_; }

 private:
  net::any_io_executor executor_;
  net::ip::tcp::endpoint endpoint_;
  Endpoint target_;
  net::ssl::context* tls_context_;
  ConnectionOptions options_;
  size_t max_connections_;
  bool draining_ = false;
  std::vector<std::shared_ptr<H2Session>> sessions_;
};

}  // namespace loadgen::http
