// Closed-loop HTTP/1.1 throughput of the client designs the engine could be built on, all on
// the calling thread, against one loopback URL:
//   beast            loadgen::http::Connection (Beast parser) in Asio coroutines, as the engine
//   curl-multi-asio  libcurl's multi interface driven by an Asio io_context
//   curl-multi-poll  curl_multi_perform + curl_multi_poll (reference point)
// http_client_compare --url http://127.0.0.1:PORT/ok [--connections 10] [--seconds 3] [--rounds 5]
// Each round runs the three in a rotated order, so drift in the machine's load hits each alike.
// Exit codes: 0 ok, 2 bad flags, 3 a run completed no request. See http_client_compare.md.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <curl/curl.h>

#include "harness/core/asio.hpp"  // before any Boost header: <utility> first (toolchain G1)
#include "harness/http/connection.hpp"

#include "harness/core/exit_codes.hpp"

namespace {

namespace net = boost::asio;
namespace http = loadgen::http;
using Clock = std::chrono::steady_clock;
using tcp = net::ip::tcp;
using loadgen::core::ExitCode;

// Bounds every request, so a stalled server cannot stretch a run past seconds + this.
constexpr auto kRequestTimeout = std::chrono::seconds(2);
constexpr const char* kDesigns[] = {"beast", "curl-multi-asio", "curl-multi-poll"};
constexpr size_t kDesignCount = 3;

struct Options {
  std::string url;
  int connections = 10;
  double seconds = 3;
  int rounds = 5;
};

struct Target {
  std::string url;  // for libcurl
  http::Endpoint endpoint;
  tcp::endpoint address;  // for Beast
};

struct Counts {
  uint64_t completed = 0;
  uint64_t errors = 0;
};

struct Sample {
  double rps = 0;
  double cpu_ms_per_1k = 0;  // user + system CPU of the process per 1000 completed requests
  uint64_t errors = 0;
};

template <typename T>
bool parse_in(std::string_view text, T low, T high, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= low && out <= high;
}

// Collects every problem with the flags, not just the first.
std::vector<std::string> parse_options(int argc, char** argv, Options& o) {
  std::vector<std::string> errors;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i], value = argv[i + 1];
    bool ok = true;
    if (flag == "--url") o.url = value;
    else if (flag == "--connections") ok = parse_in(value, 1, 10000, o.connections);
    else if (flag == "--seconds") ok = parse_in(value, 0.1, 60.0, o.seconds);
    else if (flag == "--rounds") ok = parse_in(value, 1, 50, o.rounds);
    else errors.push_back("unknown flag " + std::string(flag));
    if (!ok) errors.push_back(std::string(flag) + ": '" + std::string(value) + "' out of range");
  }
  if (argc % 2 == 0) errors.push_back(std::string(argv[argc - 1]) + " needs a value");
  if (o.url.empty()) errors.emplace_back("--url is required");
  return errors;
}

// A benchmark must never load another host: only literal loopback addresses are accepted.
bool resolve_loopback(const std::string& url, Target& t, std::string& error) {
  if (!http::parse_base_url(url, t.endpoint, error)) return false;
  // test_server's certificate is self-signed; libcurl's side does not verify either.
  t.endpoint.tls_options.verify = false;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(t.endpoint.host, ec);
  if (ec || !address.is_loopback()) {
    error = "'" + t.endpoint.host + "' is not a literal loopback address (127.0.0.0/8, ::1)";
    return false;
  }
  t.url = url;
  t.address = tcp::endpoint(address, t.endpoint.port);
  return true;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);  // all threads, a resolver thread of curl's included
  using std::chrono::seconds, std::chrono::microseconds;
  const auto cpu = seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                   microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  return std::chrono::duration<double>(cpu).count();
}

// One closed loop per connection: send, await the whole response, repeat until the deadline.
net::awaitable<void> beast_loop(const Target& t, net::ssl::context* tls, Clock::time_point deadline,
                                Counts& counts) {
  const auto executor = co_await net::this_coro::executor;
  auto connection = http::make_connection(executor, t.address, t.endpoint, tls, http::ConnectionOptions{});
  http::Request request;
  request.target = t.endpoint.base_path.empty() ? "/" : t.endpoint.base_path;
  request.timeout = kRequestTimeout;
  request.keep_body = false;  // counted, then dropped: the same work as curl's write callback
  while (Clock::now() < deadline) {
    const auto response = co_await connection->exchange(request);
    ++(response.error == http::ErrorKind::kNone ? counts.completed : counts.errors);
    if (!connection->reusable()) {
      connection = http::make_connection(executor, t.address, t.endpoint, tls, http::ConnectionOptions{});
    }
  }
}

Counts run_beast(const Target& t, int connections, Clock::time_point deadline) {
  net::io_context ioc{1};  // the engine's Worker uses the same single-thread hint
  const auto tls = t.endpoint.tls ? http::make_client_tls_context(t.endpoint).value() : nullptr;
  Counts counts;
  for (int i = 0; i < connections; ++i) {
    net::co_spawn(ioc, beast_loop(t, tls.get(), deadline, counts), net::detached);
  }
  ioc.run();
  return counts;
}

using EasyPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using MultiPtr = std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)>;

size_t discard_body(char*, size_t size, size_t count, void*) { return size * count; }

// One reusable transfer. HTTP/1.1 is forced so that all designs speak the same protocol; TLS
// peers are not verified, like the engine's TLS context (targets are test deployments).
EasyPtr make_easy(const Target& t) {
  EasyPtr easy(curl_easy_init(), &curl_easy_cleanup);
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");  // an http_proxy variable must not reroute loopback
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "loadgen/0.1");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::chrono::milliseconds(kRequestTimeout).count()));
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard_body);
  return easy;
}

// Counts finished transfers and restarts each handle while time remains: removing and re-adding
// an easy handle starts its next transfer, and the connection waits meanwhile in the multi
// handle's cache, so it is reused (keep-alive). Returns how many handles retired for good.
int reap_finished(CURLM* multi, Clock::time_point deadline, Counts& counts) {
  int retired = 0;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;  // remove_handle frees msg: read it first
    ++(msg->data.result == CURLE_OK ? counts.completed : counts.errors);
    curl_multi_remove_handle(multi, easy);
    if (Clock::now() < deadline) {
      curl_multi_add_handle(multi, easy);
    } else {
      ++retired;
    }
  }
  return retired;
}

// curl-multi-asio: Asio tells libcurl when its sockets are ready, and when its timeout is due.
class CurlAsio {
 public:
  CurlAsio(net::io_context& ioc, Clock::time_point deadline)
      : ioc_(ioc), deadline_(deadline), timer_(ioc) {
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &CurlAsio::on_socket);
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &CurlAsio::on_timer);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
  }
  CurlAsio(const CurlAsio&) = delete;
  CurlAsio& operator=(const CurlAsio&) = delete;
  // libcurl's order: handles out of the multi, then the multi (which closes its cached
  // connections through on_close, so the watches outlive it), then the easy handles.
  ~CurlAsio() {
    for (auto& easy : easies_) curl_multi_remove_handle(multi_.get(), easy.get());
    multi_.reset();
  }

  void add_transfers(const Target& t, int count) {
    for (int i = 0; i < count; ++i) {
      CURL* easy = easies_.emplace_back(make_easy(t)).get();
      curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &CurlAsio::on_open);
      curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
      curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlAsio::on_close);
      curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
      curl_multi_add_handle(multi_.get(), easy);  // curl asks for a 0 ms timeout to start it
    }
    active_ = count;
  }
  Counts counts() const { return counts_; }

 private:
  // One of curl's sockets, opened and closed by Asio (curl's open/close socket callbacks), so
  // it is registered with the reactor once per connection. curl says CURL_POLL_REMOVE after
  // every transfer; wrapping its fd anew per transfer measured 4 more syscalls per request.
  struct Watch {
    tcp::socket socket;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT; 0 while idle in curl's connection cache
    bool reading = false;
    bool writing = false;
    bool closed = false;  // handlers still queued hold the Watch alive, and must see this
  };

  static curl_socket_t on_open(void* self, curlsocktype purpose, curl_sockaddr* address) {
    return static_cast<CurlAsio*>(self)->open_socket(purpose, address->family);
  }
  static int on_close(void* self, curl_socket_t fd) {
    static_cast<CurlAsio*>(self)->close_socket(fd);
    return 0;
  }
  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
    static_cast<CurlAsio*>(self)->watch(fd, what);
    return 0;
  }
  static int on_timer(CURLM*, long timeout_ms, void* self) {
    static_cast<CurlAsio*>(self)->schedule(timeout_ms);
    return 0;
  }

  curl_socket_t open_socket(curlsocktype purpose, int family) {
    if (purpose != CURLSOCKTYPE_IPCXN || (family != AF_INET && family != AF_INET6)) {
      return CURL_SOCKET_BAD;
    }
    tcp::socket socket(ioc_);
    boost::system::error_code ec;
    socket.open(family == AF_INET ? tcp::v4() : tcp::v6(), ec);
    if (ec) return CURL_SOCKET_BAD;  // curl fails the transfer: counted as an error
    const curl_socket_t fd = socket.native_handle();
    watches_[fd] = std::make_shared<Watch>(std::move(socket));
    return fd;
  }

  void close_socket(curl_socket_t fd) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    it->second->closed = true;
    boost::system::error_code ignored;
    it->second->socket.close(ignored);  // deregisters it, and cancels its waits
    watches_.erase(it);
  }

  // An idle connection's socket keeps any wait it has: should it fire, curl ignores a socket
  // it does not watch.
  void watch(curl_socket_t fd, int what) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;  // every socket comes from on_open
    it->second->wanted = what == CURL_POLL_REMOVE ? 0 : what;
    arm(it->second, fd);
  }

  // Starts a wait for each direction curl wants that is not already being waited for.
  void arm(const std::shared_ptr<Watch>& w, curl_socket_t fd) {
    if ((w->wanted & CURL_POLL_IN) != 0 && !w->reading) {
      w->reading = true;
      w->socket.async_wait(tcp::socket::wait_read, [this, w, fd](boost::system::error_code ec) {
        w->reading = false;
        on_ready(w, fd, ec, CURL_CSELECT_IN);
      });
    }
    if ((w->wanted & CURL_POLL_OUT) != 0 && !w->writing) {
      w->writing = true;
      w->socket.async_wait(tcp::socket::wait_write, [this, w, fd](boost::system::error_code ec) {
        w->writing = false;
        on_ready(w, fd, ec, CURL_CSELECT_OUT);
      });
    }
  }

  void on_ready(const std::shared_ptr<Watch>& w, curl_socket_t fd, boost::system::error_code ec,
                int direction) {
    if (w->closed || ec == net::error::operation_aborted) return;
    act(fd, ec ? CURL_CSELECT_ERR : direction);
    if (!w->closed) arm(w, fd);  // act() may have changed what curl wants, or closed the socket
  }

  // curl moves its next timeout on nearly every request. Moving the Asio timer costs a
  // timerfd_settime each time (measured: the top cost in a VM), so the timer only ever moves
  // earlier; firing before curl's due time, it re-arms. A 0 ms timeout is posted instead,
  // since curl must not be re-entered from its own callback.
  void schedule(long timeout_ms) {
    due_ = Clock::time_point::max();
    if (timeout_ms == 0 && !posted_) {
      posted_ = true;
      net::post(ioc_, [this] {
        posted_ = false;
        act(CURL_SOCKET_TIMEOUT, 0);
      });
    } else if (timeout_ms > 0) {
      due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
      if (!timer_armed_ || due_ < timer_.expiry()) arm_timer(due_);
    }
  }

  void arm_timer(Clock::time_point when) {
    timer_armed_ = true;
    timer_.expires_at(when);  // cancels the previous wait, whose handler then does nothing
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      timer_armed_ = false;
      if (due_ == Clock::time_point::max()) return;
      if (Clock::now() < due_) return arm_timer(due_);
      due_ = Clock::time_point::max();
      act(CURL_SOCKET_TIMEOUT, 0);
    });
  }

  void act(curl_socket_t fd, int flags) {
    int running = 0;
    curl_multi_socket_action(multi_.get(), fd, flags, &running);
    active_ -= reap_finished(multi_.get(), deadline_, counts_);
    if (active_ > 0) return;
    // Every transfer is done: leave nothing to wait for, so that ioc.run() returns.
    timer_.cancel();
    for (auto& entry : watches_) entry.second->socket.cancel();
  }

  net::io_context& ioc_;
  Clock::time_point deadline_;
  net::steady_timer timer_;  // fires at or before due_
  Clock::time_point due_ = Clock::time_point::max();  // curl's next timeout
  bool timer_armed_ = false;
  bool posted_ = false;  // a 0 ms timeout is already queued
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  MultiPtr multi_{curl_multi_init(), &curl_multi_cleanup};
  std::vector<EasyPtr> easies_;  // cleaned up after multi_, which the destructor resets first
  Counts counts_;
  int active_ = 0;
};

Counts run_curl_asio(const Target& t, int connections, Clock::time_point deadline) {
  net::io_context ioc{1};
  CurlAsio driver(ioc, deadline);
  driver.add_transfers(t, connections);
  // Whatever the server does, the run ends: by then the last transfers have timed out.
  ioc.run_until(deadline + kRequestTimeout + std::chrono::seconds(1));
  return driver.counts();
}

// curl-multi-poll: libcurl's own loop, the reference point.
Counts run_curl_poll(const Target& t, int connections, Clock::time_point deadline) {
  Counts counts;
  std::vector<EasyPtr> easies;  // declared before the multi, so cleaned up after it
  MultiPtr multi(curl_multi_init(), &curl_multi_cleanup);
  for (int i = 0; i < connections; ++i) {
    curl_multi_add_handle(multi.get(), easies.emplace_back(make_easy(t)).get());
  }
  const auto hard_end = deadline + kRequestTimeout + std::chrono::seconds(1);
  int active = connections;
  while (active > 0 && Clock::now() < hard_end) {
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    active -= reap_finished(multi.get(), deadline, counts);
    // Returns at once when re-added handles are due (curl's timeout is then 0).
    if (active > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
  }
  for (auto& easy : easies) curl_multi_remove_handle(multi.get(), easy.get());
  return counts;
}

Sample measure(size_t design, const Target& t, const Options& o) {
  using Runner = Counts (*)(const Target&, int, Clock::time_point);
  constexpr Runner kRunners[kDesignCount] = {run_beast, run_curl_asio, run_curl_poll};
  const double cpu_before = process_cpu_seconds();
  const auto start = Clock::now();
  const auto length = std::chrono::duration<double>(o.seconds);
  const Counts c = kRunners[design](t, o.connections,
                                    start + std::chrono::duration_cast<Clock::duration>(length));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_before;
  const auto done = static_cast<double>(c.completed);
  return {done / elapsed, done > 0 ? cpu * 1e6 / done : 0, c.errors};
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }  // 0 when a run failed

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// What the library itself says it can do: that depends on how Debian built it.
void print_context(const Options& o) {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  auto yes = [&](int feature) { return (v->features & feature) != 0 ? "yes" : "no"; };
  std::printf("libcurl %s: HTTP/2 %s (nghttp2 %s), HTTPS %s (%s); %u CPUs\n", v->version,
              yes(CURL_VERSION_HTTP2), v->nghttp2_version ? v->nghttp2_version : "-",
              yes(CURL_VERSION_SSL), v->ssl_version ? v->ssl_version : "-",
              std::thread::hardware_concurrency());
  std::printf("%s, %d connections, %.1f s per run, %d rounds\n", o.url.c_str(), o.connections,
              o.seconds, o.rounds);
}

void print_round(int index, const std::vector<Sample>& round) {
  std::printf("round %d:", index);
  for (size_t d = 0; d < kDesignCount; ++d) {
    std::printf("  %s %.0f req/s %.2f ms/1k%s", kDesigns[d], round[d].rps, round[d].cpu_ms_per_1k,
                round[d].errors > 0 ? " (errors)" : "");
  }
  std::printf("  curl-asio/beast %.3f\n", ratio(round[1].rps, round[0].rps));
  std::fflush(stdout);
}

void print_medians(const std::vector<std::vector<Sample>>& rounds) {
  std::printf("medians over %zu rounds:\n%-16s %10s %14s %7s\n", rounds.size(), "design", "req/s",
              "CPU ms/1k req", "errors");
  double rps[kDesignCount], cpu[kDesignCount];
  for (size_t d = 0; d < kDesignCount; ++d) {
    std::vector<double> r, c;
    uint64_t errors = 0;
    for (const auto& round : rounds) {
      r.push_back(round[d].rps);
      c.push_back(round[d].cpu_ms_per_1k);
      errors += round[d].errors;
    }
    rps[d] = median(r);
    cpu[d] = median(c);
    std::printf("%-16s %10.0f %14.2f %7llu\n", kDesigns[d], rps[d], cpu[d],
                static_cast<unsigned long long>(errors));
  }
  for (size_t d = 1; d < kDesignCount; ++d) {
    std::printf("%s/beast: req/s x%.3f, CPU per request x%.3f\n", kDesigns[d],
                ratio(rps[d], rps[0]), ratio(cpu[d], cpu[0]));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  Target target;
  auto errors = parse_options(argc, argv, options);
  if (std::string error; !options.url.empty() && !resolve_loopback(options.url, target, error)) {
    errors.push_back("--url: " + error);
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::fprintf(stderr, "http_client_compare: %s\n", e.c_str());
    std::fprintf(stderr, "usage: http_client_compare --url http://127.0.0.1:PORT/ok "
                         "[--connections N] [--seconds S] [--rounds R]\n");
    return loadgen::core::to_int(ExitCode::kBadInput);
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  print_context(options);
  std::vector<std::vector<Sample>> rounds;
  bool every_run_completed = true;
  for (int r = 0; r < options.rounds; ++r) {
    auto& round = rounds.emplace_back(kDesignCount);
    for (size_t k = 0; k < kDesignCount; ++k) {
      const size_t d = (static_cast<size_t>(r) + k) % kDesignCount;  // no design always first
      round[d] = measure(d, target, options);
      every_run_completed = every_run_completed && round[d].rps > 0;
    }
    print_round(r + 1, round);
  }
  print_medians(rounds);
  curl_global_cleanup();
  if (!every_run_completed) {
    std::fprintf(stderr, "http_client_compare: a run completed no request; is %s up?\n",
                 options.url.c_str());
    return loadgen::core::to_int(ExitCode::kTargetFailed);
  }
  return loadgen::core::to_int(ExitCode::kOk);
}
