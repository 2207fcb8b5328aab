#include "targets/refserver/http_server.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

// The wrapper must precede every Beast header (toolchain.md, G1).
// clang-format off
#include "harness/core/asio.hpp"
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

// g++ 12 with optimisation reports Asio's coroutine frames as freed by a mismatched operator
// delete: the frame's class-specific operator new/delete pair (awaitable_frame_base) is matched,
// but the warning does not see through the coroutine lowering (GCC PR middle-end/109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace loadgen::refserver {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using beast::error_code;

constexpr std::size_t kFirstReadBytes = 4096;
// After an error reply the client may still be sending the body we refused. Reading (and
// dropping) it for a moment before closing lets the reply arrive instead of a TCP reset.
constexpr std::size_t kMaxDiscardBytes = 8 * 1024 * 1024;
constexpr std::chrono::seconds kDiscardTime{1};

auto with_ec(error_code& ec) {
  return net::redirect_error(net::use_awaitable, ec);
}

bool is_parse_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

void log_exception(std::string_view where, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "refserver: %.*s: %s\n", static_cast<int>(where.size()), where.data(),
                 e.what());
  } catch (...) {
    std::fprintf(stderr, "refserver: %.*s: unknown exception\n", static_cast<int>(where.size()),
                 where.data());
  }
}

}  // namespace

class Session;

class HttpServerCore : public std::enable_shared_from_this<HttpServerCore> {
 public:
  HttpServerCore(HttpServerOptions options, RequestHandler handler);

  void start_threads();
  core::Expected<std::uint16_t> open_acceptor();
  void stop();
  void join();

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  const HttpServerOptions& options() const { return options_; }
  net::strand<net::io_context::executor_type>& control() { return control_; }
  Response handle(http::request<http::string_body>&& request) const;
  void forget_session(std::uint64_t id);

 private:
  net::awaitable<void> accept_loop();
  void start_session(tcp::socket socket);
  void close_idle_sessions();

  HttpServerOptions options_;
  RequestHandler handler_;
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  // The acceptor, the signal set and the drain itself run on this strand.
  net::strand<net::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mutex_;
  std::uint64_t next_session_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::vector<std::thread> threads_;
};

// One connection: a coroutine reading requests and writing responses, in order, on its
// strand. It is "idle" while waiting for the first byte of the next request; the drain closes
// idle connections at once and lets busy ones finish their request.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::uint64_t id, tcp::socket socket, HttpServerCore& server)
      : id_(id), stream_(std::move(socket)), server_(server) {}
  ~Session() { server_.forget_session(id_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  net::awaitable<void> run();
  void close_if_idle();
  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  net::awaitable<bool> wait_for_request();
  net::awaitable<bool> serve_one();
  net::awaitable<bool> read_request(http::request_parser<http::string_body>& parser,
                                    error_code& ec);
  net::awaitable<bool> write(Response response, unsigned version, bool keep_alive);
  net::awaitable<void> reply_to_read_error(const error_code& ec);
  net::awaitable<void> discard_input();
  void close();

  std::uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpServerCore& server_;
  bool idle_ = false;  // only read and written on the strand
};

// Every co_await below stands alone in its own statement: g++ 12 miscompiles co_await
// inside loop conditions and && expressions (the coroutine traps with SIGILL).
net::awaitable<void> Session::run() {
  for (;;) {
    const bool arrived = co_await wait_for_request();
    if (!arrived)
      break;
    const bool again = co_await serve_one();
    if (!again)
      break;
  }
  close();
}

void Session::close_if_idle() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->idle_)
      self->stream_.cancel();
  });
}

net::awaitable<bool> Session::wait_for_request() {
  if (buffer_.size() > 0)
    co_return true;  // a pipelined request has already arrived
  // Set before looking at stopping(): the drain sets stopping first and then checks idle_ on
  // this strand, so one of the two always sees the other.
  idle_ = true;
  if (server_.stopping())
    co_return false;
  stream_.expires_after(server_.options().idle_timeout);
  error_code ec;
  const auto n = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), with_ec(ec));
  idle_ = false;
  if (ec)
    co_return false;
  buffer_.commit(n);
  co_return true;
}

net::awaitable<bool> Session::read_request(http::request_parser<http::string_body>& parser,
                                           error_code& ec) {
  parser.header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
  parser.body_limit(server_.options().max_body_bytes);
  stream_.expires_after(server_.options().read_timeout);
  co_await http::async_read_header(stream_, buffer_, parser, with_ec(ec));
  if (ec)
    co_return false;
  const auto& header = parser.get();
  if (!parser.is_done() && beast::iequals(header[http::field::expect], "100-continue")) {
    // The client waits for this before sending the body (curl does for large ones).
    http::response<http::empty_body> go_on{http::status::continue_, header.version()};
    co_await http::async_write(stream_, go_on, with_ec(ec));
    if (ec)
      co_return false;
  }
  co_await http::async_read(stream_, buffer_, parser, with_ec(ec));
  co_return !ec;
}

net::awaitable<bool> Session::serve_one() {
  http::request_parser<http::string_body> parser;
  error_code ec;
  const bool complete = co_await read_request(parser, ec);
  if (!complete) {
    co_await reply_to_read_error(ec);
    co_return false;
  }
  auto request = parser.release();
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  auto response = server_.handle(std::move(request));
  // Checked after handling: a request that arrived before the drain is still answered, but
  // the connection is not kept for another one.
  const bool keep = keep_alive && !server_.stopping();
  const bool written = co_await write(std::move(response), version, keep);
  co_return written&& keep;
}

net::awaitable<bool> Session::write(Response response, unsigned version, bool keep_alive) {
  http::response<http::string_body> out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  out.set(http::field::server, "refserver");
  out.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers)
    out.set(name, value);
  out.keep_alive(keep_alive);
  out.body() = std::move(response.body);
  out.prepare_payload();
  stream_.expires_after(server_.options().read_timeout);
  error_code ec;
  co_await http::async_write(stream_, out, with_ec(ec));
  co_return !ec;
}

net::awaitable<void> Session::reply_to_read_error(const error_code& ec) {
  Response response;
  if (ec == http::error::body_limit) {
    response = error_response(
        413, fmt::format("request body exceeds {} bytes", server_.options().max_body_bytes));
  } else if (ec == http::error::header_limit) {
    response = error_response(
        431, fmt::format("request header exceeds {} bytes", server_.options().max_header_bytes));
  } else if (is_parse_error(ec) && ec != http::error::end_of_stream &&
             ec != http::error::partial_message) {
    response = error_response(400, fmt::format("malformed HTTP request: {}", ec.message()));
  } else {
    co_return;  // timeout, reset or end of stream: nobody to answer
  }
  const bool written = co_await write(std::move(response), 11, false);
  if (written)
    co_await discard_input();
}

net::awaitable<void> Session::discard_input() {
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kDiscardTime);
  std::array<char, 16384> scratch{};
  for (std::size_t total = 0; total < kMaxDiscardBytes;) {
    const std::size_t n = co_await stream_.async_read_some(net::buffer(scratch), with_ec(ec));
    if (ec)
      break;
    total += n;
  }
}

void Session::close() {
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

HttpServerCore::HttpServerCore(HttpServerOptions options, RequestHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      ioc_(options_.threads),
      work_(net::make_work_guard(ioc_)),
      control_(net::make_strand(ioc_)),
      acceptor_(control_),
      signals_(control_, SIGINT, SIGTERM) {
  signals_.async_wait([this](const error_code& ec, int) {
    if (!ec)
      stop();
  });
}

void HttpServerCore::start_threads() {
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
          log_exception("I/O thread", std::current_exception());
        }
      }
    });
  }
}

core::Expected<std::uint16_t> HttpServerCore::open_acceptor() {
  auto fail = [&](const error_code& ec) {
    return core::Expected<std::uint16_t>::failure(
        fmt::format("cannot listen on {}:{}: {}", options_.address, options_.port, ec.message()));
  };
  if (stopping())
    return core::Expected<std::uint16_t>::failure("shutting down");
  error_code ec;
  const auto address = net::ip::make_address(options_.address, ec);
  if (ec)
    return fail(ec);
  const tcp::endpoint endpoint{address, options_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return fail(ec);
  }
  net::co_spawn(control_, accept_loop(), [](std::exception_ptr e) {
    if (e)
      log_exception("accept loop", e);
  });
  return acceptor_.local_endpoint().port();
}

net::awaitable<void> HttpServerCore::accept_loop() {
  while (!stopping() && acceptor_.is_open()) {
    tcp::socket socket(net::make_strand(ioc_));
    error_code ec;
    co_await acceptor_.async_accept(socket, with_ec(ec));
    if (ec == net::error::operation_aborted || stopping())
      co_return;
    if (ec) {
      // Out of file descriptors, most likely: back off instead of spinning on the error.
      net::steady_timer pause(control_, std::chrono::milliseconds(50));
      co_await pause.async_wait(with_ec(ec));
      continue;
    }
    start_session(std::move(socket));
  }
}

void HttpServerCore::start_session(tcp::socket socket) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(sessions_mutex_);
    const auto id = next_session_id_++;
    session = std::make_shared<Session>(id, std::move(socket), *this);
    sessions_.emplace(id, session);
  }
  net::co_spawn(session->executor(), session->run(), [session](std::exception_ptr e) {
    if (e)
      log_exception("connection", e);
  });
}

void HttpServerCore::forget_session(std::uint64_t id) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(id);
}

void HttpServerCore::close_idle_sessions() {
  // Collected first: the last reference to a session may be dropped here, and its destructor
  // takes sessions_mutex_.
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [id, weak] : sessions_) {
      if (auto session = weak.lock())
        live.push_back(std::move(session));
    }
  }
  for (auto& session : live)
    session->close_if_idle();
}

void HttpServerCore::stop() {
  if (stopping_.exchange(true, std::memory_order_acq_rel))
    return;
  net::post(control_, [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->signals_.cancel(ignored);
    self->close_idle_sessions();
    // Without the guard, run() returns in every thread once the last connection is done.
    self->work_.reset();
  });
}

void HttpServerCore::join() {
  for (auto& thread : threads_) {
    if (thread.joinable())
      thread.join();
  }
}

Response HttpServerCore::handle(http::request<http::string_body>&& request) const {
  HeaderList headers;
  for (const auto& field : request) {
    headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  auto converted = make_request(std::string(request.method_string()), request.target(),
                                std::move(headers), std::move(request.body()));
  if (!converted)
    return error_response(400, "malformed request target");
  return handler_(std::move(*converted));
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_shared<HttpServerCore>(std::move(options), std::move(handler))) {
  impl_->start_threads();
}

HttpServer::~HttpServer() {
  impl_->stop();
  impl_->join();
}

core::Expected<std::uint16_t> HttpServer::listen() {
  // On the control strand, so a signal arriving meanwhile cannot close the acceptor mid-bind.
  std::promise<core::Expected<std::uint16_t>> result;
  net::post(impl_->control(), [&] { result.set_value(impl_->open_acceptor()); });
  return result.get_future().get();
}

void HttpServer::stop() {
  impl_->stop();
}

bool HttpServer::stopping() const {
  return impl_->stopping();
}

void HttpServer::wait() {
  impl_->join();
}

}  // namespace loadgen::refserver
