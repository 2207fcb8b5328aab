#pragma once

// Internal to the HTTP client (includes Asio): one HTTP/2 connection (h2 over TLS, or h2c with
// prior knowledge) carrying many requests at once, one stream each, framed by nghttp2.
#include <cstddef>
#include <memory>

#include "harness/http/connection.hpp"

namespace loadgen::http {

class H2Session {
 public:
  virtual ~H2Session() = default;
  // Sends `request` on a stream of its own and reads its response; waits first for the
  // connection (the first exchange opens it) and for a free stream while all the server allows
  // are busy (Response::stream_opened says when it got one). Never throws. `unprocessed` comes
  // back true when the server never processed the request (a stream above a GOAWAY's last
  // stream id, or one the connection closed before it opened): it may be sent elsewhere, even
  // a POST (RFC 9113, section 8.7). A `retry` (such a request, sent again) waits ahead of
  // new requests: when every connection rotates, it must not be refused again and again.
  virtual net::awaitable<Response> exchange(const Request& request, bool retry, bool& unprocessed) = 0;
  // Takes new streams: connecting or open, no GOAWAY received, not closed.
  virtual bool usable() const = 0;
  virtual size_t load() const = 0;      // streams open and requests waiting for one
  virtual size_t capacity() const = 0;  // streams at once: the server's limit, capped by max_streams
  // Closes the connection once no stream is open and nothing waits (at the end of a run).
  virtual void close_when_idle() = 0;
  // Closes now: streams open and requests waiting end as resets.
  virtual void close() = 0;
};

// `tls_context` null: h2c with prior knowledge. Otherwise h2 via ALPN; a server that does not
// choose h2 fails the connection (as a protocol error saying what it chose).
std::shared_ptr<H2Session> make_h2_session(net::any_io_executor executor, net::ip::tcp::endpoint endpoint,
                                           const Endpoint& target, net::ssl::context* tls_context,
                                           ConnectionOptions options);

}  // namespace loadgen::http
