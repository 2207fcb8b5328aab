// A small HTTP/1.1 server for the load engine's integration tests: every way a response can
// be fast, slow, stalled, wrong or broken, on demand, on 127.0.0.1 only.
//   test_server [--port N] [--threads N] [--delay MS] [--stall-every MS --stall-for MS] [--tls CERT KEY]
//               [--client-ca CA]   (with --tls: mutual TLS, a client certificate signed by CA required)
// Prints "listening on 127.0.0.1:PORT". Paths:
//   /ok                 200 "ok"            /delay?ms=N   200 after N ms
//   /status?code=N      that status         /json         {"status":"done","n":3}
//   /chunked            chunked 200         /close        200 with Connection: close
//   /reset              closes without answering (RST)
//   /garbage            a malformed status line, then close
//   /hang               never answers (the client must time out)
//   /big?bytes=N        a body of N bytes
//   /sni                the server name the TLS client sent (SNI), or "none"
//   /metrics            a Prometheus exposition of known distributions (known_metrics.hpp)
//   /serial?ms=N        served one at a time, N ms each, in arrival order across every
//                       connection: a server whose capacity is exactly 1000/N requests/s
// Protocol corners, written byte for byte:
//   /interim            "100 Continue" and "103 Early Hints" before the real 200 "ok"
//   /close-delimited    200 with Connection: close and no Content-Length: the body ("ok,
//                       until the close") ends where the server closes
//   /http10             an HTTP/1.0 200 without Content-Length, ended by the close
//   /then-close         200 "ok" kept alive, then the connection closed 30 ms later, as an
//                       idle timeout would: the client's next request on it finds it closed
// For flows (extraction, polling, walks):
//   /echo               the request as text: "METHOD target", its headers, a blank line, body
//   /login              {"token":"tok-7","user":{"id":42},"note":"session=s-99;"} with the
//                       headers X-Session: hdr-55 and Location: /things/42
//   /chain?total=N&page=K   {"page":K,"next":K+1}, and "next":null on the last page (K=N-1)
//   /poll?key=K&after=N     {"status":"pending"} for the first N requests with key K, then
//                           {"status":"done"}
// Redirects (Location as given, never resolved here):
//   /redirect?to=PATH&code=N   status N (default 302) with Location: PATH (percent-decoded,
//                              so a PATH with a query is /redirect?to=/echo%3Fa%3D1)
//   /redirect-chain?n=K&ms=M   K redirects (302) down to /ok: Location /redirect-chain?n=K-1,
//                              and /ok from n=1 (n=0 is /ok itself); with ms, each hop waits
//                              M ms and the last goes to /delay?ms=M
//   /redirect-loop             302 to itself
//   /redirect-away             302 to http://203.0.113.1/x (TEST-NET-3: must never be followed,
//                              nor connected to)
//   /redirect-nolocation       302 without a Location header
// With --stall-every E --stall-for F, every response due inside [kE, kE+F) after start is
// held until the window ends: the server "pauses" like a process stopped by ^Z.
// With --delay MS every answer waits MS more: a slower build of the same service.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/tools/known_metrics.hpp"
#include "harness/core/asio.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int port = 0;
  int threads = 1;
  long stall_every_ms = 0;
  long stall_for_ms = 0;
  long delay_ms = 0;
  std::string cert, key, client_ca;
};

Clock::time_point g_start;
Options g_options;
std::mutex g_poll_mutex;
std::map<std::string, long> g_poll_counts;

std::string query_text(std::string_view target, std::string_view key) {
  const auto at = target.find(std::string(key) + "=");
  if (at == std::string_view::npos) return {};
  auto rest = target.substr(at + key.size() + 1);
  return std::string(rest.substr(0, rest.find('&')));
}

// %XX escapes decoded ('+' is left as it is: a path, not a form).
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

long query_number(std::string_view target, std::string_view key, long fallback) {
  const auto at = target.find(std::string(key) + "=");
  if (at == std::string_view::npos) return fallback;
  auto digits = target.substr(at + key.size() + 1);
  long v = fallback;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

// When a response due now must wait because the server is "paused".
std::optional<Clock::time_point> stall_release(Clock::time_point now) {
  if (g_options.stall_every_ms <= 0) return std::nullopt;
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(now - g_start).count();
  const long phase = since % g_options.stall_every_ms;
  if (phase >= g_options.stall_for_ms) return std::nullopt;
  return now + std::chrono::milliseconds(g_options.stall_for_ms - phase);
}

template <typename Stream>
void hard_close(Stream& stream) {
  auto& socket = beast::get_lowest_layer(stream).socket();
  boost::system::error_code ec;
  socket.set_option(net::socket_base::linger(true, 0), ec);  // RST, not FIN
  socket.close(ec);
}

// /serial's one server: each request's service starts when the one before it ended.
std::mutex g_serial_mutex;
Clock::time_point g_serial_free;

Clock::time_point serial_turn(std::chrono::milliseconds service) {
  std::lock_guard lock(g_serial_mutex);
  g_serial_free = std::max(g_serial_free, Clock::now()) + service;
  return g_serial_free;
}

template <typename Stream>
net::awaitable<void> session(Stream stream, std::string sni = "none") {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    http::request<http::string_body> req;
    co_await http::async_read(stream, buffer, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    const std::string_view target = req.target();
    const auto path = target.substr(0, target.find('?'));
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = "ok";
    net::steady_timer timer(stream.get_executor());
    if (path == "/reset") {
      hard_close(stream);
      co_return;
    }
    if (path == "/garbage") {
      const std::string junk = "HTTP/1.1 abc nonsense\r\n\r\n";
      co_await net::async_write(stream, net::buffer(junk), net::redirect_error(net::use_awaitable, ec));
      hard_close(stream);
      co_return;
    }
    if (path == "/interim" || path == "/close-delimited" || path == "/http10") {
      const std::string raw =
          path == "/interim" ? "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
          : path == "/http10" ? "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nok, until the close"
                              : "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok, until the close";
      co_await net::async_write(stream, net::buffer(raw), net::redirect_error(net::use_awaitable, ec));
      if (path == "/interim" && !ec) continue;  // kept alive: the next request follows
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    if (path == "/hang") {
      timer.expires_after(std::chrono::seconds(120));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      co_return;
    }
    if (path == "/redirect-chain" && query_number(target, "ms", 0) > 0) {
      timer.expires_after(std::chrono::milliseconds(query_number(target, "ms", 0)));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (path == "/delay") {
      timer.expires_after(std::chrono::milliseconds(query_number(target, "ms", 0)));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    } else if (path == "/serial") {
      timer.expires_at(serial_turn(std::chrono::milliseconds(query_number(target, "ms", 10))));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    } else if (path == "/redirect") {
      res.result(static_cast<unsigned>(query_number(target, "code", 302)));
      res.set(http::field::location, percent_decoded(query_text(target, "to")));
      res.body() = "";
    } else if (path == "/redirect-chain") {
      const long n = query_number(target, "n", 0);
      const long ms = query_number(target, "ms", 0);
      if (n > 0) {
        res.result(http::status::found);
        const std::string last = ms > 0 ? "/delay?ms=" + std::to_string(ms) : std::string("/ok");
        res.set(http::field::location, n == 1 ? last
                                              : "/redirect-chain?n=" + std::to_string(n - 1) +
                                                    (ms > 0 ? "&ms=" + std::to_string(ms) : std::string()));
        res.body() = "";
      }
    } else if (path == "/redirect-loop") {
      res.result(http::status::found);
      res.set(http::field::location, "/redirect-loop");
      res.body() = "";
    } else if (path == "/redirect-away") {
      res.result(http::status::found);
      res.set(http::field::location, "http://203.0.113.1/x");
      res.body() = "";
    } else if (path == "/redirect-nolocation") {
      res.result(http::status::found);
      res.body() = "";
    } else if (path == "/status") {
      res.result(static_cast<unsigned>(query_number(target, "code", 200)));
    } else if (path == "/json") {
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"status":"done","n":3})";
    } else if (path == "/close") {
      res.keep_alive(false);
    } else if (path == "/echo") {
      std::string text = std::string(req.method_string()) + " " + std::string(target) + "\n";
      for (const auto& field : req) text += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
      res.body() = text + "\n" + req.body();
    } else if (path == "/login") {
      res.set(http::field::content_type, "application/json");
      res.set("X-Session", "hdr-55");
      res.set(http::field::location, "/things/42");
      res.body() = R"({"token":"tok-7","user":{"id":42},"note":"session=s-99;"})";
    } else if (path == "/chain") {
      const long total = query_number(target, "total", 1);
      const long page = query_number(target, "page", 0);
      res.set(http::field::content_type, "application/json");
      res.body() = "{\"page\":" + std::to_string(page) + ",\"next\":" +
                   (page + 1 < total ? std::to_string(page + 1) : std::string("null")) + "}";
    } else if (path == "/poll") {
      long seen = 0;
      {
        std::lock_guard lock(g_poll_mutex);
        seen = g_poll_counts[query_text(target, "key")]++;
      }
      res.set(http::field::content_type, "application/json");
      res.body() = seen < query_number(target, "after", 0) ? R"({"status":"pending"})" : R"({"status":"done"})";
    } else if (path == "/sni") {
      res.body() = sni;
    } else if (path == "/metrics") {
      auto metrics = loadgen::testing::known_metrics(target);
      res.set(http::field::content_type, metrics.content_type);
      res.body() = std::move(metrics.body);
    } else if (path == "/big") {
      res.body().assign(static_cast<size_t>(query_number(target, "bytes", 0)), 'x');
    } else if (path != "/ok" && path != "/chunked" && path != "/then-close") {
      res.result(http::status::not_found);
      res.body() = "no such path";
    }
    if (g_options.delay_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(g_options.delay_ms));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (auto release = stall_release(Clock::now())) {
      timer.expires_at(*release);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (path == "/chunked") {
      res.chunked(true);
    } else {
      res.prepare_payload();
    }
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    if (!ec && path == "/then-close") {
      timer.expires_after(std::chrono::milliseconds(30));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      beast::get_lowest_layer(stream).socket().close(ec);  // FIN, as an idle timeout closes
      co_return;
    }
    if (ec || !res.keep_alive()) {
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

net::awaitable<void> listen(tcp::acceptor& acceptor, net::ssl::context* tls) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    if (tls == nullptr) {
      net::co_spawn(ex, session(beast::tcp_stream(std::move(socket))), net::detached);
      continue;
    }
    net::co_spawn(
        ex,
        [stream = beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls)]() mutable -> net::awaitable<void> {
          boost::system::error_code hs;
          co_await stream.async_handshake(net::ssl::stream_base::server, net::redirect_error(net::use_awaitable, hs));
          if (hs) co_return;
          const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
          // A named local, not a conditional temporary in the co_await's arguments: g++ 12
          // mishandles those temporaries, and the session never ran.
          std::string sni = name != nullptr ? name : "none";
          co_await session(std::move(stream), std::move(sni));
        },
        net::detached);
  }
}

bool parse_args(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--port" && (v = next())) g_options.port = std::atoi(v);
    else if (a == "--threads" && (v = next())) g_options.threads = std::max(1, std::atoi(v));
    else if (a == "--delay" && (v = next())) g_options.delay_ms = std::atol(v);
    else if (a == "--stall-every" && (v = next())) g_options.stall_every_ms = std::atol(v);
    else if (a == "--stall-for" && (v = next())) g_options.stall_for_ms = std::atol(v);
    else if (a == "--tls" && i + 2 < argc) {
      g_options.cert = argv[++i];
      g_options.key = argv[++i];
    } else if (a == "--client-ca" && (v = next())) {
      g_options.client_ca = v;
    } else {
      std::fprintf(stderr, "test_server: bad argument '%s'\n", a.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!parse_args(argc, argv)) return 2;
  std::unique_ptr<net::ssl::context> tls;
  if (!g_options.cert.empty()) {
    tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    tls->use_certificate_chain_file(g_options.cert);
    tls->use_private_key_file(g_options.key, net::ssl::context::pem);
    if (!g_options.client_ca.empty()) {
      tls->load_verify_file(g_options.client_ca);
      tls->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
    }
  }
  net::io_context ioc(g_options.threads);
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(g_options.port)});
  g_start = Clock::now();
  std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
  net::co_spawn(ioc, listen(acceptor, tls.get()), net::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < g_options.threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
