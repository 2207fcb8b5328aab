#include "harness/http/connection.hpp"

#include <optional>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

namespace loadgen::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

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

bhttp::verb verb_of(const std::string& method) {
  const auto v = bhttp::string_to_verb(method);
  return v == bhttp::verb::unknown ? bhttp::verb::get : v;
}

template <typename Stream>
class BasicConnection final : public Connection {
 public:
  BasicConnection(Stream stream, tcp::endpoint endpoint, const Endpoint& target, ConnectionOptions options)
      : stream_(std::in_place, std::move(stream)), endpoint_(endpoint), target_(target), options_(options) {}

  net::awaitable<Response> exchange(const Request& request) override {
    Response response;
    const bool was_reused = connected_;
    boost::system::error_code ec;
    if (!connected_) {
      co_await connect(request, response);
      if (response.error != ErrorKind::kNone) co_return response;
    }
    bool any_bytes = co_await send_and_read(request, response, ec);
    if (ec && was_reused && !any_bytes && is_stale_connection(ec)) {
      reset_stream();
      response = Response{};
      co_await connect(request, response);
      if (response.error != ErrorKind::kNone) co_return response;
      any_bytes = co_await send_and_read(request, response, ec);
    }
    if (ec) {
      response.error = classify_exchange(ec);
      response.error_detail = ec.message();
      reusable_ = false;
      close();
    }
    co_return response;
  }

  bool reusable() const override { return reusable_; }

  void close() override {
    boost::system::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
    connected_ = false;
  }

 private:
  net::awaitable<void> connect(const Request& request, Response& response) {
    boost::system::error_code ec;
    auto& tcp_layer = beast::get_lowest_layer(*stream_);
    tcp_layer.expires_after(request.timeout);
    co_await tcp_layer.async_connect(endpoint_, net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      tcp_layer.socket().set_option(tcp::no_delay(true), ec);
      ec = {};
      co_await handshake(ec);
    }
    if (ec) {
      response.error = classify_connect(ec);
      response.error_detail = ec.message();
      reusable_ = false;
      close();
      co_return;
    }
    connected_ = true;
  }

  net::awaitable<void> handshake(boost::system::error_code& ec) {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      // SNI: many TLS servers refuse a handshake without it.
      // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
      if (SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   static_cast<void*>(const_cast<char*>(target_.host.c_str()))) != 1) {
        ec = boost::system::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
        co_return;
      }
      co_await stream_->async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
    }
  }

  // Returns whether any response byte arrived (a stale connection sends none).
  net::awaitable<bool> send_and_read(const Request& request, Response& response, boost::system::error_code& ec) {
    bhttp::request<bhttp::string_body> req{verb_of(request.method), request.target, 11};
    req.set(bhttp::field::host, target_.host_header());
    req.set(bhttp::field::user_agent, "loadgen/0.1");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (!request.body.empty() || req.method() == bhttp::verb::post || req.method() == bhttp::verb::put ||
        req.method() == bhttp::verb::patch) {
      req.body() = request.body;
      req.prepare_payload();
    }
    beast::get_lowest_layer(*stream_).expires_after(request.timeout);
    co_await bhttp::async_write(*stream_, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.body_limit);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    const size_t before = buffer_.size();
    const size_t read = co_await bhttp::async_read(*stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
    const bool any_bytes = read > 0 || buffer_.size() != before || parser.got_some();
    if (ec) co_return any_bytes;
    auto message = parser.release();
    response.status = static_cast<int>(message.result_int());
    response.bytes_received = read;
    if (options_.keep_headers) {
      for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
    }
    if (options_.keep_body) response.body = std::move(message.body());
    reusable_ = message.keep_alive();
    if (!reusable_) close();
    co_return true;
  }

  void reset_stream() {
    close();
    auto executor = stream_->get_executor();
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.emplace(executor);
    } else {
      // A TLS stream cannot be reused after close: build a fresh one on the same context.
      stream_.emplace(executor, *tls_context_);
    }
    buffer_.clear();
    reusable_ = true;
  }

 public:
  net::ssl::context* tls_context_ = nullptr;

 private:
  std::optional<Stream> stream_;  // optional: a stale connection is rebuilt in place
  tcp::endpoint endpoint_;
  Endpoint target_;
  ConnectionOptions options_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  bool reusable_ = true;
};

}  // namespace

std::unique_ptr<Connection> make_connection(net::any_io_executor executor, tcp::endpoint endpoint,
                                            const Endpoint& target, net::ssl::context* tls_context,
                                            ConnectionOptions options) {
  if (tls_context == nullptr) {
    return std::make_unique<BasicConnection<beast::tcp_stream>>(beast::tcp_stream(executor), endpoint, target,
                                                                options);
  }
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  auto c = std::make_unique<BasicConnection<TlsStream>>(TlsStream(executor, *tls_context), endpoint, target,
                                                       options);
  c->tls_context_ = tls_context;
  return c;
}

std::shared_ptr<net::ssl::context> make_client_tls_context() {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(net::ssl::verify_none);
  return ctx;
}

}  // namespace loadgen::http
