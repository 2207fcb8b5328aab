#include "harness/http/connection.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <optional>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "harness/http/request_writer.hpp"
#include "harness/http/response_parser.hpp"
#include "harness/http/tls_client.hpp"

namespace loadgen::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// The server closed the stream: a plain FIN, or a TLS peer closing without close_notify.
bool ends_stream(const boost::system::error_code& ec) {
  return ec == net::error::eof || ec == net::ssl::error::stream_truncated;
}

ErrorKind classify_connect(const boost::system::error_code& ec) {
  if (ec == net::error::connection_refused) return ErrorKind::kConnectRefused;
  if (ec == beast::error::timeout) return ErrorKind::kConnectTimeout;
  return ErrorKind::kConnectError;
}

ErrorKind classify_exchange(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return ErrorKind::kTimeout;
  if (ec == net::error::connection_reset || ec == net::error::broken_pipe || ec == net::error::eof ||
      ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == net::error::connection_aborted || ec == net::error::operation_aborted) {
    return ErrorKind::kReset;
  }
  // Every other Beast HTTP error is a malformed response (or one beyond the body limit).
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) return ErrorKind::kProtocol;
  return ErrorKind::kReset;
}

// A reused keep-alive connection the server has already closed fails on first use with one
// of these, before a byte of the response; such a request is retried once on a new connection.
bool is_stale_connection(const boost::system::error_code& ec) {
  return ec == net::error::eof || ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe;
}

// One deadline per exchange, kept by one timer per connection that is armed lazily: a new
// exchange only moves `deadline_` forward, and the timer, when it fires early, re-arms itself
// for the moved deadline. Beast's tcp_stream instead arms a timer for every read and write,
// which cost a timer-queue update (and often a timerfd syscall) twice per request.
class Deadline {
  using Clock = std::chrono::steady_clock;

 public:
  explicit Deadline(const net::any_io_executor& executor) : timer_(executor), state_(std::make_shared<State>()) {}
  ~Deadline() {
    state_->owner = nullptr;  // a wait completing later must not touch a closed connection
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // From now until disarm(), `on_expiry` runs (once) if `at` passes first.
  void arm(Clock::time_point at, std::function<void()>* on_expiry) {
    state_->deadline = at;
    state_->armed = true;
    state_->expired = false;
    state_->owner = on_expiry;
    // An earlier wait due later than this deadline (a longer timeout before) is replaced.
    if (!state_->waiting || at < state_->wait_at) wait_until(at);
  }
  void disarm() { state_->armed = false; }
  // Ends the pending wait: a closed connection must not keep its event loop running.
  void cancel() {
    state_->armed = false;
    if (state_->waiting) {
      ++state_->generation;
      state_->waiting = false;
      timer_.cancel();
    }
  }
  bool expired() const { return state_->expired; }

 private:
  struct State {
    Clock::time_point deadline;
    bool armed = false;
    bool waiting = false;
    Clock::time_point wait_at;  // when the pending wait ends
    uint64_t generation = 0;    // of the pending wait; a replaced wait's completion is ignored
    bool expired = false;
    std::function<void()>* owner = nullptr;
  };

  void wait_until(Clock::time_point at) {
    state_->waiting = true;
    state_->wait_at = at;
    const uint64_t generation = ++state_->generation;
    timer_.expires_at(at);
    timer_.async_wait([this, state = state_, generation](const boost::system::error_code& ec) {
      if (generation != state->generation) return;
      state->waiting = false;
      if (ec || state->owner == nullptr || !state->armed) return;
      if (Clock::now() < state->deadline) {
        wait_until(state->deadline);
        return;
      }
      state->expired = true;
      state->armed = false;
      (*state->owner)();
    });
  }

  net::steady_timer timer_;
  std::shared_ptr<State> state_;
};

template <typename Stream>
class BasicConnection final : public Connection {
 public:
  BasicConnection(Stream stream, tcp::endpoint endpoint, const Endpoint& target, ConnectionOptions options)
      : stream_(std::in_place, std::move(stream)),
        deadline_(stream_->get_executor()),
        endpoint_(endpoint),
        host_header_(target.host_header()),
        target_(target),
        options_(options),
        on_expiry_([this] { socket().close(ignored_); }) {}

  net::awaitable<Response> exchange(const Request& request) override {
    Response response;
    const bool was_reused = connected_;
    boost::system::error_code ec;
    deadline_.arm(std::chrono::steady_clock::now() + request.timeout, &on_expiry_);
    if (!connected_) {
      co_await connect(response);
      if (response.error != ErrorKind::kNone) co_return finish(response);
    }
    const std::string* wire = request.wire;
    if (wire == nullptr) {
      write_request(request, host_header_, out_);
      wire = &out_;
    }
    bool any_bytes = co_await send_and_read(request, *wire, response, ec);
    const bool stale = ec && was_reused && !any_bytes && !deadline_.expired() && is_stale_connection(ec);
    if (stale && is_idempotent(request.method)) {
      reset_stream();
      response = Response{};
      response.resent = true;
      co_await connect(response);
      if (response.error != ErrorKind::kNone) co_return finish(response);
      any_bytes = co_await send_and_read(request, *wire, response, ec);
    }
    if (ec) {
      response.error = deadline_.expired() ? ErrorKind::kTimeout : classify_exchange(ec);
      response.error_detail = deadline_.expired() ? "no complete response within the request timeout"
                              : stale && !response.resent
                                  ? "the server closed a reused connection before answering; a " + request.method +
                                        " is not sent again (the server may have received it)"
                                  : ec.message();
      reusable_ = false;
      close();
    }
    co_return finish(response);
  }

  bool reusable() const override { return reusable_; }

  void close() override {
    socket().close(ignored_);
    deadline_.cancel();
    connected_ = false;
  }

 private:
  tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return *stream_;
    } else {
      return stream_->next_layer();
    }
  }

  // Moved out: co_return of a reference would copy the response.
  Response&& finish(Response& response) {
    deadline_.disarm();
    return std::move(response);
  }

  net::awaitable<void> connect(Response& response) {
    boost::system::error_code ec;
    co_await socket().async_connect(endpoint_, net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      socket().set_option(tcp::no_delay(true), ec);
      socket().non_blocking(true, ec);  // for send_now(): a full send buffer must not block the loop
      ec = {};
      co_await handshake(ec);
    }
    if (ec && verify_failure_) {
      response.error = ErrorKind::kTlsVerify;
      response.error_detail = tls_refusal(target_, *verify_failure_);
      verify_failure_.reset();
    } else if (ec) {
      response.error = deadline_.expired() ? ErrorKind::kConnectTimeout : classify_connect(ec);
      response.error_detail = deadline_.expired() ? "the connection was not established within the request timeout"
                                                  : ec.message();
    }
    if (ec) {
      reusable_ = false;
      close();
      co_return;
    }
    connected_ = true;
    if (options_.opened != nullptr) options_.opened[static_cast<size_t>(Protocol::kHttp1)].fetch_add(1, std::memory_order_relaxed);
  }

  net::awaitable<void> handshake(boost::system::error_code& ec) {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      SSL* ssl = stream_->native_handle();
      // ALPN says HTTP/1.1 outright: a server that would choose h2 must not be left guessing.
      ec = prepare_client_tls(ssl, target_, std::string_view("\x08http/1.1", 9));
      if (ec) co_return;
      co_await stream_->async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
      if (ec && target_.tls_options.verify) {
        if (const long why = SSL_get_verify_result(ssl); why != X509_V_OK) verify_failure_ = why;
      }
    }
  }

  // Returns whether any response byte arrived (a stale connection sends none). The read loop
  // is Beast's http::async_read written out: its composed operations wrap every read in two
  // more layers of type-erased executors and work guards, and each nested coroutine here is a
  // frame allocated per request, so this is one coroutine. Same semantics: eager parsing, end
  // of stream before any byte is end_of_stream, after some bytes it ends a close-delimited
  // body (or is partial_message).
  net::awaitable<bool> send_and_read(const Request& request, const std::string& wire, Response& response,
                                     boost::system::error_code& ec) {
    const size_t sent = send_now(wire, ec);
    if (!ec && sent < wire.size()) {
      co_await net::async_write(*stream_, net::buffer(wire) + sent, net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) co_return false;

    std::optional<ResponseParser> parser;
    const auto start_parser = [&] {
      parser.emplace(response, request.keep_body, options_.keep_headers);
      // Not boost::none for "no limit": Beast 1.74 compares a Content-Length with the optional
      // (len_ > body_limit_), and any length is greater than none.
      parser->body_limit(request.keep_body ? options_.body_limit : std::numeric_limits<std::uint64_t>::max());
      parser->header_limit(kHeaderLimit);
      parser->eager(true);
      if (request.method == "HEAD") parser->skip(true);
    };
    start_parser();
    const size_t before = buffer_.size();
    size_t consumed = 0;
    for (;;) {
      const bool parsed = parse_buffered(*parser, consumed, ec);
      // 1xx interim responses (100 Continue, 103 Early Hints) precede the real one on the same
      // exchange: skip them, or every later response on the connection pairs with the wrong
      // request. (101 Switching Protocols is final: the connection is no longer HTTP/1.1.)
      if (parsed && !ec && response.status >= 100 && response.status < 200 && response.status != 101) {
        response.status = 0;
        response.headers.clear();
        start_parser();
        continue;
      }
      if (parsed) break;
      const size_t room = std::clamp<size_t>(buffer_.capacity() - buffer_.size(), 512, 65536);
      const size_t got = co_await stream_->async_read_some(buffer_.prepare(room),
                                                           net::redirect_error(net::use_awaitable, ec));
      buffer_.commit(got);
      if (ends_stream(ec) && got == 0 && (parser->got_some() || consumed > 0)) {
        // A body without Content-Length ends where the server closes (HTTP/1.0, or
        // Connection: close): that end of stream completes it. TLS peers that close without
        // close_notify end it the same way.
        ec = {};
        parser->put_eof(ec);
        if (!ec && !parser->is_done()) ec = bhttp::error::partial_message;
        if (!ec) break;
      } else if (ends_stream(ec)) {
        ec = bhttp::error::end_of_stream;
      }
      if (ec) break;
    }
    const bool any_bytes = consumed > 0 || buffer_.size() != before || parser->got_some();
    if (ec) co_return any_bytes;
    response.bytes_received = consumed;
    reusable_ = parser->keep_alive();
    if (!reusable_) close();
    co_return true;
  }

  // Writes what the socket takes now and returns how much. A request almost always fits the
  // send buffer: written in place, it saves the suspension and the trip through the event
  // loop that an async write costs. TLS streams always write asynchronously.
  size_t send_now(const std::string& wire, boost::system::error_code& ec) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      const size_t sent = stream_->write_some(net::buffer(wire), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
      return ec ? 0 : sent;
    } else {
      return 0;
    }
  }

  // Feeds the buffered bytes to the parser. True when the parse ended: the message is
  // complete, or `ec` says why not; false when it needs more bytes.
  bool parse_buffered(ResponseParser& parser, size_t& consumed, boost::system::error_code& ec) {
    while (buffer_.size() > 0) {
      const size_t n = parser.put(buffer_.data(), ec);
      buffer_.consume(n);
      consumed += n;
      if (ec == bhttp::error::need_more) {
        ec = {};
        return false;
      }
      if (ec || parser.is_done()) return true;
      if (n == 0) return false;
    }
    return false;
  }

  void reset_stream() {
    close();
    auto executor = stream_->get_executor();
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      stream_.emplace(executor);
    } else {
      // A TLS stream cannot be reused after close: build a fresh one on the same context.
      stream_.emplace(executor, *tls_context_);
    }
    buffer_.clear();
    reusable_ = true;
  }

  static constexpr std::uint32_t kHeaderLimit = 64 * 1024;

 public:
  net::ssl::context* tls_context_ = nullptr;
  std::optional<long> verify_failure_;  // the last handshake's certificate verification error

 private:
  std::optional<Stream> stream_;  // optional: a stale connection is rebuilt in place
  Deadline deadline_;
  tcp::endpoint endpoint_;
  std::string host_header_;
  Endpoint target_;
  ConnectionOptions options_;
  std::function<void()> on_expiry_;
  boost::system::error_code ignored_;
  std::string out_;  // the request's bytes, reused from one request to the next
  beast::flat_buffer buffer_;
  bool connected_ = false;
  bool reusable_ = true;
};

}  // namespace

std::unique_ptr<Connection> make_connection(net::any_io_executor executor, tcp::endpoint endpoint,
                                            const Endpoint& target, net::ssl::context* tls_context,
                                            ConnectionOptions options) {
  if (tls_context == nullptr) {
    return std::make_unique<BasicConnection<tcp::socket>>(tcp::socket(executor), endpoint, target, options);
  }
  using TlsStream = net::ssl::stream<tcp::socket>;
  auto c = std::make_unique<BasicConnection<TlsStream>>(TlsStream(executor, *tls_context), endpoint, target,
                                                       options);
  c->tls_context_ = tls_context;
  return c;
}

core::Expected<std::shared_ptr<net::ssl::context>> make_client_tls_context(const Endpoint& target) {
  using R = core::Expected<std::shared_ptr<net::ssl::context>>;
  const auto& o = target.tls_options;
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (o.verify) {
    ctx->set_verify_mode(net::ssl::verify_peer, ec);
    if (o.ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
      if (ec) return R::failure("target.tls: the system's CA store cannot be read: " + ec.message());
    } else {
      ctx->load_verify_file(o.ca_file, ec);
      if (ec) return R::failure(fmt::format("target.tls.ca_file {}: {}", o.ca_file, ec.message()));
    }
  } else {
    ctx->set_verify_mode(net::ssl::verify_none, ec);
  }
  if (!o.cert_file.empty()) {
    ctx->use_certificate_chain_file(o.cert_file, ec);
    if (ec) return R::failure(fmt::format("target.tls.cert {}: {}", o.cert_file, ec.message()));
    ctx->use_private_key_file(o.key_file, net::ssl::context::pem, ec);
    if (ec) return R::failure(fmt::format("target.tls.key {}: {}", o.key_file, ec.message()));
  }
  return ctx;
}

}  // namespace loadgen::http
