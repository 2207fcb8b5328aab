// h2_test_server: an HTTP/2 server in clear text (h2c with prior knowledge only) on 127.0.0.1,
// for the tests of loadgen's HTTP/2 client. It answers, is slow, resets streams, ends
// connections with GOAWAY and breaks the protocol, on demand, by path.
//   h2_test_server [--port N] [--max-streams N] [--goaway-after N]
//     --port N          0 (the default): a free port. Prints "listening on 127.0.0.1:PORT".
//     --max-streams N   the SETTINGS_MAX_CONCURRENT_STREAMS it advertises (default 100). nghttp2
//                       enforces it: a stream over the limit is refused (RST_STREAM
//                       REFUSED_STREAM) until the client has acknowledged the SETTINGS, and
//                       ends the connection (GOAWAY PROTOCOL_ERROR) after.
//     --goaway-after N  a graceful GOAWAY: on a connection's Nth request it stops taking new
//                       ones, and right after that request's answer it sends GOAWAY NO_ERROR
//                       with last_stream_id = the Nth request's stream. Streams the client
//                       opened in between (above last_stream_id) are never processed (nghttp2
//                       forgets them when the GOAWAY goes out: the client must send them again);
//                       the connection closes once every stream up to last_stream_id is done.
//                       (Behind a /slow Nth request, streams opened meanwhile are certain to be
//                       above last_stream_id; behind an /ok one, only those already on the wire.)
// Paths (anything else: 404):
//   /ok                   200 "ok"
//   /slow/<ms>            200 "slow" after that many ms (other streams go on meanwhile)
//   /reset/<code>         RST_STREAM with that error code (2 INTERNAL_ERROR, 7 REFUSED_STREAM,
//                         8 CANCEL...), no response
//   /rst-flow             RST_STREAM FLOW_CONTROL_ERROR (0x3)
//   /goaway-error         GOAWAY INTERNAL_ERROR (0x2) with last_stream_id = this stream: this
//                         stream (and any other still open) was processed and is lost, not one
//                         to send again. Then the connection is closed.
//   /goaway-error/refuse  the same, but last_stream_id = this stream - 2: this stream is above
//                         it, never processed, one the client may send again (elsewhere).
//   /flow-violation       a raw WINDOW_UPDATE on this stream with increment 2^31-1: the client's
//                         send window for the stream would pass 2^31-1 (RFC 9113, 6.9.1), a stream
//                         error FLOW_CONTROL_ERROR: the client resets the stream with it, and the
//                         connection goes on. (DATA beyond the stream's window is no way to break
//                         flow control deterministically: nghttp2 grants more window as it reads,
//                         so a server writing fast only sometimes overtakes its WINDOW_UPDATEs.)
//   /window-overflow      a raw WINDOW_UPDATE on stream 0 with increment 2^31-1: the client's send
//                         window would pass 2^31-1, a connection error FLOW_CONTROL_ERROR (the
//                         client ends the connection with GOAWAY FLOW_CONTROL_ERROR).
//   /protocol-violation   a raw DATA frame on stream 0: a connection error PROTOCOL_ERROR (the
//                         client ends the connection with GOAWAY PROTOCOL_ERROR).
//   /frame-size-violation a raw SETTINGS frame of 5 bytes (not a multiple of 6): a connection error
//                         FRAME_SIZE_ERROR.
//   /close                the connection is closed (FIN, no GOAWAY), the stream unanswered
//                         (and any request read with it after it: lost with the connection).
//   /flow-violation-then-close  the first on a connection as /flow-violation, the second as
//                         /close (and so on): a connection that goes on after a stream error, then
//                         ends under a stream in flight.
//   /stats                200, the counters below as JSON.
// The counters (over every HTTP/2 connection since the start) also answer a plain HTTP/1.1
// "GET /stats" on the same port (a connection that does not begin with the HTTP/2 preface), so
// that a test can read them without an HTTP/2 client:
//   {"connections":N,"connections_open":N,"streams":N,"requests":N,"max_concurrent_streams":N,
//    "refused_streams":N,"unprocessed_streams":N,"cancelled_streams":N,"invalid_frames":N,
//    "by_path":{"/ok":N,...}}
// streams: every new stream's HEADERS; requests: those processed (by_path counts them);
// max_concurrent_streams: the most streams open at once on one connection; refused_streams:
// over --max-streams; unprocessed_streams: above a GOAWAY's last_stream_id (once decided);
// cancelled_streams: reset by the client before their answer (a request's timeout, or a stream
// error the client found).
// Blocking sockets, a thread per connection, poll() for the reads and the slow answers' times:
// simple rather than fast.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 0;
  uint32_t max_streams = 100;
  uint64_t goaway_after = 0;  // 0: never
};
Options g_options;

struct Stats {
  std::mutex mutex;
  uint64_t connections = 0;
  uint64_t connections_open = 0;
  uint64_t streams = 0;
  uint64_t requests = 0;
  uint64_t max_concurrent = 0;
  uint64_t refused = 0;
  uint64_t unprocessed = 0;
  uint64_t cancelled = 0;
  uint64_t invalid = 0;
  std::map<std::string, uint64_t> by_path;
};
Stats g_stats;

template <typename F>
void with_stats(F&& f) {
  std::lock_guard lock(g_stats.mutex);
  f(g_stats);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string stats_json() {
  std::lock_guard lock(g_stats.mutex);
  const Stats& s = g_stats;
  std::string out = "{";
  auto field = [&](const char* name, uint64_t v) { out += "\"" + std::string(name) + "\":" + std::to_string(v) + ","; };
  field("connections", s.connections);
  field("connections_open", s.connections_open);
  field("streams", s.streams);
  field("requests", s.requests);
  field("max_concurrent_streams", s.max_concurrent);
  field("refused_streams", s.refused);
  field("unprocessed_streams", s.unprocessed);
  field("cancelled_streams", s.cancelled);
  field("invalid_frames", s.invalid);
  out += "\"by_path\":{";
  bool first = true;
  for (const auto& [path, n] : s.by_path) {
    if (!first) out += ",";
    first = false;
    out += json_string(path) + ":" + std::to_string(n);
  }
  return out + "}}";
}

// Writes all of `data` (a blocking socket); false when the peer is gone.
bool write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// A frame header (RFC 9113, section 4.1), for the frames written around nghttp2.
void append_frame_header(std::string& out, uint32_t length, uint8_t type, uint8_t flags, uint32_t stream_id) {
  const uint8_t h[9] = {static_cast<uint8_t>(length >> 16),    static_cast<uint8_t>(length >> 8),
                        static_cast<uint8_t>(length),          type,
                        flags,                                 static_cast<uint8_t>((stream_id >> 24) & 0x7f),
                        static_cast<uint8_t>(stream_id >> 16), static_cast<uint8_t>(stream_id >> 8),
                        static_cast<uint8_t>(stream_id)};
  out.append(reinterpret_cast<const char*>(h), sizeof h);
}

// A number after `prefix` in `path` ("/slow/250"), if the path is exactly that.
bool number_after(std::string_view path, std::string_view prefix, uint64_t& out) {
  if (!path.starts_with(prefix)) return false;
  const auto rest = path.substr(prefix.size());
  if (rest.empty()) return false;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), out);
  return ec == std::errc() && end == rest.data() + rest.size();
}

// What is written around nghttp2 once its own frames queued so far have gone out.
enum class RawAction { kStreamWindowOverflow, kWindowOverflow, kProtocolViolation, kFrameSizeViolation };

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection() {
    if (session_ != nullptr) nghttp2_session_del(session_);
    ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void run(std::string initial) {
    with_stats([](Stats& s) {
      ++s.connections;
      ++s.connections_open;
    });
    serve(std::move(initial));
    with_stats([](Stats& s) { --s.connections_open; });
  }

 private:
  struct Stream {
    std::string path;
    bool processed = false;
  };

  static Connection& self(void* user) { return *static_cast<Connection*>(user); }

  bool start() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_frame_callback(
        cb, [](nghttp2_session*, const nghttp2_frame_hd* hd, void* user) {
          self(user).on_begin_frame(*hd);
          return 0;
        });
    nghttp2_session_callbacks_set_on_begin_headers_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
          self(user).on_begin_headers(frame->hd.stream_id);
          return 0;
        });
    nghttp2_session_callbacks_set_on_header_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen, const uint8_t* value,
               size_t valuelen, uint8_t, void* user) {
          const std::string_view n(reinterpret_cast<const char*>(name), namelen);
          if (n == ":path") {
            if (auto it = self(user).streams_.find(frame->hd.stream_id); it != self(user).streams_.end()) {
              it->second.path.assign(reinterpret_cast<const char*>(value), valuelen);
            }
          }
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
          self(user).on_frame_recv(*frame);
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_send_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
          if (frame->hd.type == NGHTTP2_GOAWAY) self(user).goaway_sent_ = true;
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cb, [](nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
          self(user).on_stream_close(stream_id);
          return 0;
        });
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(
        cb, [](nghttp2_session*, const nghttp2_frame*, int lib_error, void*) {
          with_stats([&](Stats& s) {
            ++s.invalid;
            if (lib_error == NGHTTP2_ERR_REFUSED_STREAM) ++s.refused;
          });
          return 0;
        });
    const int rv = nghttp2_session_server_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    if (rv != 0) return false;
    const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, g_options.max_streams}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
    return true;
  }

  void serve(std::string initial) {
    if (!start()) return;
    if (!feed(reinterpret_cast<const uint8_t*>(initial.data()), initial.size()) || !flush()) return;
    std::vector<uint8_t> buf(64 * 1024);
    for (;;) {
      if (done()) break;
      pollfd p{fd_, POLLIN, 0};
      const int n = poll(&p, 1, next_due_ms());
      if (n < 0 && errno != EINTR) break;
      if (n > 0) {
        const ssize_t got = recv(fd_, buf.data(), buf.size(), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;  // the client closed (or reset) the connection
        if (!feed(buf.data(), static_cast<size_t>(got))) return;
      }
      answer_due();
      if (!flush()) return;
    }
    lingering_close();
  }

  // The connection is over for this side: its GOAWAY went out and nothing is left to answer.
  bool done() {
    if (close_now_) return true;
    if (goaway_sent_ && goaway_last_ >= 0 &&
        std::none_of(streams_.begin(), streams_.end(), [&](const auto& s) { return s.first <= goaway_last_; })) {
      return true;
    }
    return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
  }

  // Closes without losing what was written last (a close with unread input sends RST, and a
  // client may then never read the GOAWAY before it): our side first, then waits a while for
  // the client to close its own.
  void lingering_close() {
    shutdown(fd_, SHUT_WR);
    const auto until = Clock::now() + std::chrono::seconds(2);
    uint8_t buf[4096];
    while (Clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) < 0 && errno != EINTR) return;
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EINTR)) return;
      }
    }
  }

  bool feed(const uint8_t* data, size_t size) {
    if (size == 0) return true;
    const ssize_t rv = nghttp2_session_mem_recv(session_, data, size);
    if (rv < 0) {
      std::fprintf(stderr, "h2_test_server: nghttp2_session_mem_recv: %s\n", nghttp2_strerror(static_cast<int>(rv)));
      return false;
    }
    return true;
  }

  // Sends nghttp2's frames, then what is written around it (in that order: a raw frame must
  // follow the response HEADERS it goes with).
  bool flush() {
    for (;;) {
      std::string out;
      for (;;) {
        const uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
          std::fprintf(stderr, "h2_test_server: nghttp2_session_mem_send: %s\n", nghttp2_strerror(static_cast<int>(n)));
          return false;
        }
        if (n == 0) break;
        out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      if (!out.empty() && !write_all(fd_, out.data(), out.size())) return false;
      if (raw_.empty()) return true;
      auto actions = std::move(raw_);
      raw_.clear();
      for (const auto& [action, stream_id] : actions) {
        if (!write_raw(action, stream_id)) return false;
      }
    }
  }

  bool write_raw(RawAction action, int32_t stream_id) {
    std::string out;
    switch (action) {
      case RawAction::kStreamWindowOverflow:
      case RawAction::kWindowOverflow: {
        append_frame_header(out, 4, NGHTTP2_WINDOW_UPDATE, NGHTTP2_FLAG_NONE,
                            action == RawAction::kWindowOverflow ? 0 : static_cast<uint32_t>(stream_id));
        const char increment[4] = {'\x7f', '\xff', '\xff', '\xff'};
        out.append(increment, 4);
        break;
      }
      case RawAction::kProtocolViolation:
        append_frame_header(out, 2, NGHTTP2_DATA, NGHTTP2_FLAG_NONE, 0);
        out.append("xx");
        break;
      case RawAction::kFrameSizeViolation:
        append_frame_header(out, 5, NGHTTP2_SETTINGS, NGHTTP2_FLAG_NONE, 0);
        out.append(5, '\0');
        break;
    }
    return write_all(fd_, out.data(), out.size());
  }

  int next_due_ms() const {
    if (pending_.empty()) return -1;
    const auto first = std::min_element(pending_.begin(), pending_.end(),
                                        [](const auto& a, const auto& b) { return a.second < b.second; });
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(first->second - Clock::now()).count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
  }

  void answer_due() {
    const auto now = Clock::now();
    std::vector<int32_t> due;
    for (const auto& [id, at] : pending_) {
      if (at <= now) due.push_back(id);
    }
    for (const int32_t id : due) {
      pending_.erase(id);
      respond(id, 200, "slow");
      after_answer(id);
    }
  }

  void on_begin_frame(const nghttp2_frame_hd& hd) {
    // Every new stream the client opens, whether nghttp2 takes it or not (refused over the
    // limit, or ignored once our GOAWAY is out).
    if (hd.type != NGHTTP2_HEADERS || hd.stream_id <= highest_stream_ || (hd.stream_id & 1) == 0) return;
    highest_stream_ = hd.stream_id;
    const bool above_goaway = goaway_last_ >= 0 && hd.stream_id > goaway_last_;
    with_stats([&](Stats& s) {
      ++s.streams;
      if (above_goaway) ++s.unprocessed;
    });
  }

  void on_begin_headers(int32_t stream_id) {
    streams_[stream_id] = Stream{};
    const uint64_t open = streams_.size();
    with_stats([&](Stats& s) { s.max_concurrent = std::max(s.max_concurrent, open); });
  }

  void on_frame_recv(const nghttp2_frame& frame) {
    if (frame.hd.type == NGHTTP2_RST_STREAM) {
      if (auto it = streams_.find(frame.hd.stream_id); it != streams_.end() && it->second.processed) {
        with_stats([](Stats& s) { ++s.cancelled; });
      }
      return;
    }
    if ((frame.hd.type == NGHTTP2_HEADERS || frame.hd.type == NGHTTP2_DATA) &&
        (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
      on_request(frame.hd.stream_id);
    }
  }

  void on_stream_close(int32_t stream_id) {
    streams_.erase(stream_id);
    pending_.erase(stream_id);
    bodies_.erase(stream_id);
  }

  void respond(int32_t stream_id, int status, std::string_view body) {
    const std::string code = std::to_string(status);
    const std::string length = std::to_string(body.size());
    auto nv = [](std::string_view name, std::string_view value) {
      return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                        reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                        NGHTTP2_NV_FLAG_NONE};
    };
    const nghttp2_nv headers[] = {nv(":status", code), nv("content-length", length),
                                  nv("content-type", "text/plain")};
    bodies_[stream_id] = std::string(body);
    nghttp2_data_provider provider{};
    provider.source.ptr = &bodies_[stream_id];
    provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t room, uint32_t* flags,
                                nghttp2_data_source* source, void*) -> ssize_t {
      auto* rest = static_cast<std::string*>(source->ptr);
      const size_t n = std::min(room, rest->size());
      std::memcpy(buf, rest->data(), n);
      rest->erase(0, n);
      if (rest->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    nghttp2_submit_response(session_, stream_id, headers, std::size(headers), body.empty() ? nullptr : &provider);
  }

  void on_request(int32_t stream_id) {
    auto it = streams_.find(stream_id);
    if (it == streams_.end() || it->second.processed) return;
    // The connection is being closed: what came with the request that closes it is lost with it.
    if (close_now_) return;
    // Above the last stream of the GOAWAY decided on: never processed (nghttp2 closes it when
    // the GOAWAY goes out, and the client sends it again).
    if (goaway_last_ >= 0 && stream_id > goaway_last_) return;
    Stream& st = it->second;
    st.processed = true;
    ++requests_;
    const std::string path = st.path;
    with_stats([&](Stats& s) {
      ++s.requests;
      ++s.by_path[path];
    });
    bool answered = true;  // by now (else when its answer is due)
    uint64_t n = 0;
    if (path == "/ok") {
      respond(stream_id, 200, "ok");
    } else if (path == "/stats") {
      respond(stream_id, 200, stats_json());
    } else if (number_after(path, "/slow/", n)) {
      pending_[stream_id] = Clock::now() + std::chrono::milliseconds(n);
      answered = false;
    } else if (number_after(path, "/reset/", n)) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, static_cast<uint32_t>(n));
    } else if (path == "/rst-flow") {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_FLOW_CONTROL_ERROR);
    } else if (path == "/goaway-error" || path == "/goaway-error/refuse") {
      const int32_t last = path == "/goaway-error" ? stream_id : std::max(0, stream_id - 2);
      nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last, NGHTTP2_INTERNAL_ERROR, nullptr, 0);
      goaway_last_ = last;
      close_now_ = true;
      return;
    } else if (path == "/flow-violation" || (path == "/flow-violation-then-close" && ++flow_then_close_ % 2 == 1)) {
      raw_.emplace_back(RawAction::kStreamWindowOverflow, stream_id);
    } else if (path == "/close" || path == "/flow-violation-then-close") {
      close_now_ = true;
      return;
    } else if (path == "/window-overflow") {
      raw_.emplace_back(RawAction::kWindowOverflow, stream_id);
    } else if (path == "/protocol-violation") {
      raw_.emplace_back(RawAction::kProtocolViolation, stream_id);
    } else if (path == "/frame-size-violation") {
      raw_.emplace_back(RawAction::kFrameSizeViolation, stream_id);
    } else {
      respond(stream_id, 404, "not found");
    }
    if (g_options.goaway_after > 0 && requests_ == g_options.goaway_after && goaway_last_ < 0) {
      goaway_last_ = stream_id;  // from now on nothing above it is processed
      goaway_behind_ = stream_id;
    }
    if (answered) after_answer(stream_id);
  }

  // A graceful GOAWAY goes out right behind the answer to the request that decided it.
  void after_answer(int32_t stream_id) {
    if (goaway_behind_ != stream_id) return;
    goaway_behind_ = -1;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, goaway_last_, NGHTTP2_NO_ERROR, nullptr, 0);
  }

  int fd_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, Stream> streams_;                 // open streams (begun, not closed)
  std::map<int32_t, Clock::time_point> pending_;      // /slow answers, when due
  std::map<int32_t, std::string> bodies_;             // response bodies still being sent
  std::vector<std::pair<RawAction, int32_t>> raw_;    // frames to write around nghttp2
  uint64_t requests_ = 0;
  int32_t highest_stream_ = 0;
  int32_t goaway_last_ = -1;    // a GOAWAY's last_stream_id once decided
  int32_t goaway_behind_ = -1;  // the stream whose answer the graceful GOAWAY follows
  bool goaway_sent_ = false;
  bool close_now_ = false;      // after the next flush (GOAWAY with an error code, /close)
  uint64_t flow_then_close_ = 0;
};

// A connection that does not open with the HTTP/2 preface: HTTP/1.1, where only GET /stats is
// answered (then the connection is closed).
void serve_http1(int fd, std::string request) {
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  const bool stats = request.starts_with("GET /stats ");
  const std::string body = stats ? stats_json() : std::string("only GET /stats is served over HTTP/1.1\n");
  const std::string response = std::string(stats ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
                               "Content-Type: " + (stats ? "application/json" : "text/plain") +
                               "\r\nContent-Length: " + std::to_string(body.size()) +
                               "\r\nConnection: close\r\n\r\n" + body;
  write_all(fd, response.data(), response.size());
  shutdown(fd, SHUT_WR);
  ::close(fd);
}

void serve(int fd) {
  // The first bytes say which protocol: the HTTP/2 preface begins "PRI ".
  std::string initial;
  char buf[4096];
  while (initial.size() < 4) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return;
    }
    initial.append(buf, static_cast<size_t>(n));
  }
  if (!initial.starts_with("PRI ")) {
    serve_http1(fd, std::move(initial));
    return;
  }
  Connection(fd).run(std::move(initial));
}

bool parse_args(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (v == nullptr) {
      std::fprintf(stderr, "h2_test_server: %s needs a value\n", a.c_str());
      return false;
    }
    ++i;
    if (a == "--port") {
      g_options.port = std::atoi(v);
    } else if (a == "--max-streams") {
      g_options.max_streams = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    } else if (a == "--goaway-after") {
      g_options.goaway_after = std::strtoull(v, nullptr, 10);
    } else {
      std::fprintf(stderr, "h2_test_server: unknown option %s\n", a.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!parse_args(argc, argv)) return 2;
  signal(SIGPIPE, SIG_IGN);
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) {
    std::perror("socket");
    return 1;
  }
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(g_options.port));
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 128) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
  std::fflush(stdout);
  for (;;) {
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::perror("accept");
      return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread(serve, fd).detach();
  }
}
