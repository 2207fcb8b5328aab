#include "harness/http/h2_session.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ssl.hpp>
#include <fmt/format.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>

#include "harness/http/tls_client.hpp"

namespace loadgen::http {
namespace {

using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Until the server's SETTINGS arrive, the streams nghttp2 itself assumes (RFC 9113 leaves the
// initial limit open; 100 is what it recommends servers allow at least).
constexpr uint32_t kStreamsBeforeSettings = 100;
// Large windows: a load generator reads as fast as it can, and WINDOW_UPDATEs every 64 KiB
// would be frames of pure overhead on large bodies.
constexpr int32_t kStreamWindow = 16 << 20;
constexpr int32_t kConnectionWindow = 1 << 30;
constexpr size_t kWriteBatch = 64 * 1024;

std::string error_code_name(uint32_t code) {
  return fmt::format("{} (0x{:x})", nghttp2_http2_strerror(code), code);
}

// An error code from the server (in RST_STREAM or GOAWAY) as the kind of error it is.
ErrorKind kind_of_code(uint32_t code, ErrorKind otherwise) {
  if (code == NGHTTP2_FLOW_CONTROL_ERROR) return ErrorKind::kFlowControl;
  if (code == NGHTTP2_PROTOCOL_ERROR || code == NGHTTP2_FRAME_SIZE_ERROR || code == NGHTTP2_COMPRESSION_ERROR) {
    return ErrorKind::kProtocol;
  }
  return otherwise;
}

// Connection-specific headers have no place in HTTP/2 (RFC 9113, section 8.2.2).
bool is_connection_header(std::string_view lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
         lower == "transfer-encoding" || lower == "upgrade" || lower == "host" || lower == "content-length";
}

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

// The nghttp2 callbacks are the same for every session: built once.
struct Callbacks {
  Callbacks();
  ~Callbacks() { nghttp2_session_callbacks_del(callbacks); }
  nghttp2_session_callbacks* callbacks = nullptr;
};

// What one request's exchange waits on: woken (its timer cancelled) when a stream is granted,
// when the response ends, or when the connection fails under it.
struct Waiter {
  net::steady_timer* timer = nullptr;
  bool granted = false;   // a stream slot was given to it
  bool failed = false;    // the connection failed before a stream opened
  ErrorKind error = ErrorKind::kNone;
  std::string detail;
  bool unprocessed = false;
  bool on_wire = false;  // its HEADERS had gone out (a resend is then a real second sending)
  uint32_t code = Response::kNoH2ErrorCode;  // the HTTP/2 error code that ended it, if one did
};

// One request's stream, from submission until nghttp2 closes it. An exchange that gave up (its
// timeout) leaves it behind, abandoned: what arrives later is counted nowhere.
struct StreamState {
  int32_t id = 0;
  Response* response = nullptr;  // null once abandoned
  Waiter* waiter = nullptr;      // null once abandoned
  std::string_view body;         // the request body still to send
  bool keep_body = true;
  bool end_seen = false;         // END_STREAM from the server: the response is whole
  bool headers_sent = false;     // on the wire: a request refused after this was seen by the server's socket
  bool reset_by_peer = false;
  uint32_t reset_code = 0;
  ErrorKind local_error = ErrorKind::kNone;  // set by us (a body beyond the limit)
  std::string local_detail;
};

class SessionBase : public H2Session {
 public:
  // Callback entry points (static trampolines in Callbacks go here).
  virtual int on_header(const nghttp2_frame* frame, std::string_view name, std::string_view value) = 0;
  virtual int on_data(int32_t stream_id, const uint8_t* data, size_t len) = 0;
  virtual int on_frame_recv(const nghttp2_frame* frame) = 0;
  virtual int on_frame_send(const nghttp2_frame* frame) = 0;
  virtual int on_frame_not_send(const nghttp2_frame* frame, int lib_error) = 0;
  virtual int on_stream_close(int32_t stream_id, uint32_t error_code) = 0;
  virtual int on_invalid_frame(int lib_error) = 0;
};

ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* data_flags,
                  nghttp2_data_source* source, void*) {
  auto* st = static_cast<StreamState*>(source->ptr);
  const size_t n = std::min(length, st->body.size());
  std::copy_n(st->body.data(), n, buf);
  st->body.remove_prefix(n);
  if (st->body.empty()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

Callbacks::Callbacks() {
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(
      callbacks, [](nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                    const uint8_t* value, size_t valuelen, uint8_t, void* user) {
        return static_cast<SessionBase*>(user)->on_header(
            frame, {reinterpret_cast<const char*>(name), namelen}, {reinterpret_cast<const char*>(value), valuelen});
      });
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      callbacks, [](nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len, void* user) {
        return static_cast<SessionBase*>(user)->on_data(stream_id, data, len);
      });
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      callbacks, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
        return static_cast<SessionBase*>(user)->on_frame_recv(frame);
      });
  nghttp2_session_callbacks_set_on_frame_send_callback(
      callbacks, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
        return static_cast<SessionBase*>(user)->on_frame_send(frame);
      });
  nghttp2_session_callbacks_set_on_frame_not_send_callback(
      callbacks, [](nghttp2_session*, const nghttp2_frame* frame, int lib_error, void* user) {
        return static_cast<SessionBase*>(user)->on_frame_not_send(frame, lib_error);
      });
  nghttp2_session_callbacks_set_on_stream_close_callback(
      callbacks, [](nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user) {
        return static_cast<SessionBase*>(user)->on_stream_close(stream_id, error_code);
      });
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(
      callbacks, [](nghttp2_session*, const nghttp2_frame*, int lib_error, void* user) {
        return static_cast<SessionBase*>(user)->on_invalid_frame(lib_error);
      });
}

const Callbacks& callbacks() {
  static const Callbacks instance;
  return instance;
}

template <typename Stream>
class BasicH2Session final : public SessionBase, public std::enable_shared_from_this<BasicH2Session<Stream>> {
 public:
  BasicH2Session(Stream stream, tcp::endpoint endpoint, const Endpoint& target, ConnectionOptions options)
      : stream_(std::move(stream)),
        endpoint_(endpoint),
        target_(target),
        authority_(target.host_header()),
        scheme_(target.tls ? "https" : "http"),
        options_(options) {}

  ~BasicH2Session() override {
    if (session_ != nullptr) nghttp2_session_del(session_);
  }

  net::awaitable<Response> exchange(const Request& request, bool retry, bool& unprocessed) override {
    auto self = this->shared_from_this();  // the connection outlives every exchange on it
    Response response;
    unprocessed = false;
    const auto deadline = Clock::now() + request.timeout;
    net::steady_timer timer(stream_.get_executor(), deadline);
    Waiter waiter;
    waiter.timer = &timer;
    // (A connection closing when idle still takes what is sent on it: it closes after.)
    if (state_ == State::kClosed || goaway_) {
      // Picked as it closed (or as its GOAWAY came): never sent, so it may go elsewhere.
      not_sent_here(response, unprocessed);
      co_return response;
    }
    if (state_ == State::kIdle) {
      state_ = State::kConnecting;
      net::co_spawn(stream_.get_executor(), connect(self, deadline), net::detached);
    }
    if (state_ == State::kOpen && waiters_.empty() && active_ < capacity()) {
      ++active_;
    } else {
      if (retry) {
        waiters_.push_front(&waiter);
      } else {
        waiters_.push_back(&waiter);
      }
      boost::system::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      std::erase(waiters_, &waiter);
      if (waiter.failed) {
        unprocessed = waiter.unprocessed;
        response.error = waiter.error;
        response.error_detail = std::move(waiter.detail);
        co_return response;
      }
      if (!waiter.granted) {
        const bool connecting = state_ == State::kConnecting;
        response.error = connecting ? ErrorKind::kConnectTimeout : ErrorKind::kTimeout;
        response.error_detail = connecting ? "the connection was not established within the request timeout"
                                           : "no stream of the connection came free within the request timeout";
        co_return response;
      }
      if (state_ != State::kOpen || goaway_) {
        // Granted a stream, then the connection ended (or its GOAWAY came) before this ran:
        // never sent, so it may go elsewhere.
        if (state_ == State::kOpen) release_slot();
        not_sent_here(response, unprocessed);
        co_return response;
      }
      if (Clock::now() >= deadline) {
        release_slot();
        response.error = ErrorKind::kTimeout;
        response.error_detail = "no stream of the connection came free within the request timeout";
        co_return response;
      }
      timer.expires_at(deadline);
    }
    response.stream_opened = Clock::now();
    auto state = std::make_unique<StreamState>();
    state->response = &response;
    state->waiter = &waiter;
    state->body = request.body;
    state->keep_body = request.keep_body;
    const int32_t id = submit(request, *state);
    if (id < 0) {
      release_slot();
      response.error = ErrorKind::kProtocol;
      response.error_detail = fmt::format("the request could not be sent on HTTP/2: {}", nghttp2_strerror(id));
      co_return response;
    }
    state->id = id;
    StreamState* st = state.get();
    streams_.emplace(id, std::move(state));
    flush_soon();
    if (!waiter.failed) {
      boost::system::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (!waiter.failed) {
      // The deadline passed first: the stream is reset (CANCEL), the connection goes on.
      if (auto it = streams_.find(id); it != streams_.end() && it->second.get() == st) {
        st->response = nullptr;
        st->waiter = nullptr;
        st->body = {};
        if (session_ != nullptr) nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
        flush_soon();
      }
      const auto opened = response.stream_opened;
      response = Response{};
      response.stream_opened = opened;
      response.error = ErrorKind::kTimeout;
      response.error_detail = "no complete response within the request timeout (its stream was reset: CANCEL)";
      co_return response;
    }
    unprocessed = waiter.unprocessed;
    if (unprocessed && !waiter.on_wire) response.stream_opened = {};
    response.error = waiter.error;
    response.h2_error_code = waiter.code;
    if (!waiter.detail.empty()) response.error_detail = std::move(waiter.detail);
    co_return response;
  }

  bool usable() const override {
    return state_ != State::kClosed && !goaway_ && !closing_;
  }
  size_t load() const override { return active_ + waiters_.size(); }
  size_t capacity() const override {
    uint32_t server = kStreamsBeforeSettings;
    if (settings_received_ && session_ != nullptr) {
      server = nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    }
    const auto cap = target_.max_streams > 0 ? std::min<uint32_t>(server, static_cast<uint32_t>(target_.max_streams))
                                             : server;
    return cap;
  }

  void close_when_idle() override {
    closing_ = true;
    close_if_idle();
  }

  void close() override {
    fail_all(ErrorKind::kReset, "the connection was closed", false);
  }

  int on_header(const nghttp2_frame* frame, std::string_view name, std::string_view value) override {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    StreamState* st = find(frame->hd.stream_id);
    if (st == nullptr || st->response == nullptr) return 0;
    Response& r = *st->response;
    r.bytes_received += name.size() + value.size();
    if (name == ":status") {
      int status = 0;
      for (const char c : value) status = status * 10 + (c - '0');
      r.status = status;
      return 0;
    }
    // The Location of a redirect is always kept (redirect.hpp follows it); the rest on demand.
    if (options_.keep_headers || name == "location") r.headers.emplace_back(name, value);
    return 0;
  }

  int on_data(int32_t stream_id, const uint8_t* data, size_t len) override {
    StreamState* st = find(stream_id);
    if (st == nullptr || st->response == nullptr) return 0;
    Response& r = *st->response;
    r.bytes_received += len;
    if (!st->keep_body || st->local_error != ErrorKind::kNone) return 0;
    if (r.body.size() + len > options_.body_limit) {
      st->local_error = ErrorKind::kProtocol;
      st->local_detail = fmt::format("the response body is larger than the body limit ({} bytes)", options_.body_limit);
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
      return 0;
    }
    r.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  int on_frame_recv(const nghttp2_frame* frame) override {
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA:
        if (StreamState* st = find(frame->hd.stream_id); st != nullptr && st->response != nullptr) {
          // An interim response (100 Continue, 103 Early Hints) precedes the final one.
          if (frame->hd.type == NGHTTP2_HEADERS && st->response->status >= 100 && st->response->status < 200) {
            st->response->status = 0;
            st->response->headers.clear();
          }
          if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) st->end_seen = true;
        }
        break;
      case NGHTTP2_RST_STREAM:
        if (StreamState* st = find(frame->hd.stream_id); st != nullptr) {
          st->reset_by_peer = true;
          st->reset_code = frame->rst_stream.error_code;
        }
        break;
      case NGHTTP2_SETTINGS:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
          settings_received_ = true;
          grant();  // the server may allow more streams than assumed until now
        }
        break;
      case NGHTTP2_GOAWAY:
        goaway_ = true;
        goaway_last_id_ = frame->goaway.last_stream_id;
        goaway_code_ = frame->goaway.error_code;
        // Requests still waiting for a stream go to another connection.
        fail_waiters(ErrorKind::kGoaway, goaway_text(), true);
        break;
      default:
        break;
    }
    return 0;
  }

  int on_frame_send(const nghttp2_frame* frame) override {
    if (frame->hd.type == NGHTTP2_HEADERS) {
      if (StreamState* hs = find(frame->hd.stream_id); hs != nullptr) hs->headers_sent = true;
    }
    // nghttp2 ends a connection the server broke with a GOAWAY of its own: remember why.
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR &&
        local_error_ == ErrorKind::kNone) {
      local_error_ = kind_of_code(frame->goaway.error_code, ErrorKind::kProtocol);
      local_detail_ = !invalid_detail_.empty()
                          ? invalid_detail_
                          : fmt::format("the server broke HTTP/2; loadgen ended the connection with GOAWAY {}",
                                        error_code_name(frame->goaway.error_code));
    }
    return 0;
  }

  int on_frame_not_send(const nghttp2_frame* frame, int lib_error) override {
    // A request's HEADERS that could not go out (the server's GOAWAY came first): never sent.
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    if (StreamState* st = find(frame->hd.stream_id); st != nullptr) {
      const bool refused = lib_error == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED || goaway_;
      finish(frame->hd.stream_id, refused ? ErrorKind::kGoaway : ErrorKind::kProtocol,
             refused ? goaway_text() : fmt::format("the request could not be sent: {}", nghttp2_strerror(lib_error)),
             refused);
    }
    return 0;
  }

  int on_stream_close(int32_t stream_id, uint32_t error_code) override {
    StreamState* st = find(stream_id);
    if (st == nullptr) return 0;
    if (st->local_error != ErrorKind::kNone) {
      finish(stream_id, st->local_error, st->local_detail, false);
    } else if (st->end_seen && !st->reset_by_peer) {
      finish(stream_id, ErrorKind::kNone, {}, false);
    } else if (st->end_seen && st->reset_code == NGHTTP2_NO_ERROR) {
      // A whole response, then NO_ERROR: the server needs no more of the request body.
      finish(stream_id, ErrorKind::kNone, {}, false);
    } else if (st->reset_by_peer) {
      const bool refused = st->reset_code == NGHTTP2_REFUSED_STREAM;
      // A reset is about one stream, whatever its code: stream_reset (the code in the detail),
      // but a flow-control error is one of its own kind either way.
      finish(stream_id, st->reset_code == NGHTTP2_FLOW_CONTROL_ERROR ? ErrorKind::kFlowControl : ErrorKind::kStreamReset,
             fmt::format("the server reset the stream: RST_STREAM {}{}", error_code_name(st->reset_code),
                         refused ? " (more streams than it allows at once)" : ""),
             refused, st->reset_code);
    } else if (goaway_ && stream_id > goaway_last_id_) {
      finish(stream_id, ErrorKind::kGoaway, goaway_text(), true);
    } else if (goaway_ && goaway_code_ != NGHTTP2_NO_ERROR) {
      finish(stream_id, kind_of_code(goaway_code_, ErrorKind::kGoaway), goaway_text(), false, goaway_code_);
    } else if (error_code != NGHTTP2_NO_ERROR) {
      finish(stream_id, kind_of_code(error_code, ErrorKind::kStreamReset),
             fmt::format("the stream ended with {}", error_code_name(error_code)), false, error_code);
    } else {
      finish(stream_id, ErrorKind::kReset, "the stream closed before its response ended", false);
    }
    return 0;
  }

  int on_invalid_frame(int lib_error) override {
    if (invalid_detail_.empty()) {
      invalid_detail_ = fmt::format("the server broke HTTP/2: {}", nghttp2_strerror(lib_error));
    }
    return 0;
  }

 private:
  enum class State { kIdle, kConnecting, kOpen, kClosed };

  tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }

  // The callbacks of one frame (a response's headers, one by one, then its data) are about one
  // stream: the last one found is remembered.
  StreamState* find(int32_t id) {
    if (id == last_found_id_ && last_found_ != nullptr) return last_found_;
    auto it = streams_.find(id);
    if (it == streams_.end()) return nullptr;
    last_found_id_ = id;
    last_found_ = it->second.get();
    return last_found_;
  }

  // A request this connection cannot take any more (closed, or its GOAWAY came): why, and
  // that it may be sent on another.
  void not_sent_here(Response& response, bool& unprocessed) const {
    unprocessed = true;
    response.error = goaway_ ? ErrorKind::kGoaway : closed_error_ == ErrorKind::kNone ? ErrorKind::kReset : closed_error_;
    response.error_detail = goaway_                 ? goaway_text()
                            : closed_detail_.empty() ? "the connection was closed"
                                                     : closed_detail_;
  }

  std::string goaway_text() const {
    return fmt::format("the server sent GOAWAY {} (last stream {})", error_code_name(goaway_code_), goaway_last_id_);
  }

  int32_t submit(const Request& request, const StreamState& state) {
    nva_.clear();
    nva_.push_back(make_nv(":method", request.method));
    nva_.push_back(make_nv(":scheme", scheme_));
    nva_.push_back(make_nv(":authority", authority_));
    nva_.push_back(make_nv(":path", request.target));
    // Header names are lower case in HTTP/2 (RFC 9113, section 8.2.1).
    names_.clear();
    names_.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) {
      std::string lower(name);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (is_connection_header(lower)) continue;
      names_.push_back(std::move(lower));
      nva_.push_back(make_nv(names_.back(), value));
    }
    if (!request.body.empty()) {
      length_ = std::to_string(request.body.size());
      nva_.push_back(make_nv("content-length", length_));
    }
    nghttp2_data_provider provider{};
    provider.source.ptr = const_cast<StreamState*>(&state);
    provider.read_callback = read_body;
    // Copied by nghttp2 (no NO_COPY flags): the HEADERS frame may go out after the next submit.
    return nghttp2_submit_request(session_, nullptr, nva_.data(), nva_.size(),
                                  request.body.empty() ? nullptr : &provider, nullptr);
  }

  // Ends a stream's exchange (once) and passes its slot on.
  void finish(int32_t id, ErrorKind error, std::string detail, bool unprocessed,
              uint32_t code = Response::kNoH2ErrorCode) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    auto state = std::move(it->second);
    streams_.erase(it);
    if (last_found_id_ == id) last_found_ = nullptr;
    if (state->waiter != nullptr) {
      state->waiter->failed = true;  // "done": the exchange reads the outcome from the waiter
      state->waiter->error = error;
      state->waiter->detail = std::move(detail);
      state->waiter->unprocessed = unprocessed;
      state->waiter->on_wire = state->headers_sent;
      state->waiter->code = code;
      state->waiter->timer->cancel();
    }
    release_slot();
  }

  void release_slot() {
    if (active_ > 0) --active_;
    grant();
    close_if_idle();
  }

  void grant() {
    if (state_ != State::kOpen) return;
    const size_t cap = capacity();
    while (!waiters_.empty() && active_ < cap) {
      Waiter* w = waiters_.front();
      waiters_.pop_front();
      w->granted = true;
      ++active_;
      w->timer->cancel();
    }
  }

  void close_if_idle() {
    // A connection not yet opened has nothing to close (and its first exchange is on its way).
    if (closing_ && active_ == 0 && waiters_.empty() && streams_.empty() && state_ != State::kClosed &&
        state_ != State::kIdle) {
      fail_all(ErrorKind::kReset, "the connection was closed at the end of the run", false);
    }
  }

  void fail_waiters(ErrorKind error, const std::string& detail, bool unprocessed) {
    while (!waiters_.empty()) {
      Waiter* w = waiters_.front();
      waiters_.pop_front();
      w->failed = true;
      w->error = error;
      w->detail = detail;
      w->unprocessed = unprocessed;
      w->timer->cancel();
    }
  }

  // The connection is over: every stream and waiter ends with why (streams the server never
  // processed, by its GOAWAY, as unprocessed).
  void fail_all(ErrorKind error, const std::string& detail, bool waiters_unprocessed) {
    if (state_ == State::kClosed) return;
    if (local_error_ != ErrorKind::kNone) {
      error = local_error_;
    }
    const std::string& why = local_error_ != ErrorKind::kNone ? local_detail_ : detail;
    const bool was_open = state_ == State::kOpen;
    state_ = State::kClosed;
    closed_error_ = error;
    closed_detail_ = why;
    boost::system::error_code ignored;
    socket().close(ignored);
    fail_waiters(error, why, waiters_unprocessed && was_open);
    std::vector<int32_t> ids;
    for (const auto& [id, st] : streams_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (const int32_t id : ids) {
      if (goaway_ && id > goaway_last_id_) {
        finish(id, ErrorKind::kGoaway, goaway_text(), true);
      } else if (goaway_ && goaway_code_ != NGHTTP2_NO_ERROR) {
        finish(id, kind_of_code(goaway_code_, ErrorKind::kGoaway), goaway_text(), false, goaway_code_);
      } else {
        finish(id, error, why, false);
      }
    }
    active_ = 0;
  }

  net::awaitable<void> connect(std::shared_ptr<BasicH2Session> self, Clock::time_point deadline) {
    boost::system::error_code ec;
    net::steady_timer guard(stream_.get_executor(), deadline);
    bool timed_out = false;
    guard.async_wait([this, self, &timed_out](const boost::system::error_code& e) {
      if (e || state_ != State::kConnecting) return;
      timed_out = true;
      boost::system::error_code ignored;
      socket().close(ignored);
    });
    co_await socket().async_connect(endpoint_, net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      socket().set_option(tcp::no_delay(true), ec);
      socket().non_blocking(true, ec);  // flush() writes in place what the socket takes now
      ec = {};
    }
    ErrorKind error = ErrorKind::kNone;
    std::string detail;
    Protocol protocol = Protocol::kH2c;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      protocol = Protocol::kH2;
      if (!ec) {
        SSL* ssl = stream_.native_handle();
        ec = prepare_client_tls(ssl, target_, std::string_view("\x02h2", 3));
        if (!ec) {
          co_await stream_.async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
        }
        if (ec && target_.tls_options.verify) {
          if (const long why = SSL_get_verify_result(ssl); why != X509_V_OK) {
            error = ErrorKind::kTlsVerify;
            detail = tls_refusal(target_, why);
          }
        }
        if (!ec && alpn_selected(ssl) != "h2") {
          const auto chose = alpn_selected(ssl);
          error = ErrorKind::kProtocol;
          detail = chose.empty() ? "the server did not agree to HTTP/2 (its TLS handshake chose no protocol by ALPN); "
                                   "target.http: auto would speak HTTP/1.1 to it"
                                 : fmt::format("the server did not agree to HTTP/2 (ALPN chose '{}'); target.http: "
                                               "auto would speak HTTP/1.1 to it",
                                               chose);
          ec = boost::asio::error::no_protocol_option;
        }
      }
    }
    guard.cancel();
    if (ec) {
      if (error == ErrorKind::kNone) {
        error = timed_out                                     ? ErrorKind::kConnectTimeout
                : ec == boost::asio::error::connection_refused ? ErrorKind::kConnectRefused
                                                               : ErrorKind::kConnectError;
        detail = timed_out ? "the connection was not established within the request timeout" : ec.message();
      }
      fail_all(error, detail, false);
      co_return;
    }
    if (state_ != State::kConnecting) co_return;  // closed meanwhile
    if (!start_session()) co_return;
    state_ = State::kOpen;
    if (options_.opened != nullptr) options_.opened[static_cast<size_t>(protocol)].fetch_add(1, std::memory_order_relaxed);
    net::co_spawn(stream_.get_executor(), read_loop(self), net::detached);
    grant();
    flush();
  }

  bool start_session() {
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    nghttp2_option_set_peer_max_concurrent_streams(option, kStreamsBeforeSettings);
    const int rv = nghttp2_session_client_new2(&session_, callbacks().callbacks, static_cast<SessionBase*>(this), option);
    nghttp2_option_del(option);
    if (rv != 0) {
      session_ = nullptr;
      fail_all(ErrorKind::kProtocol, fmt::format("HTTP/2 session: {}", nghttp2_strerror(rv)), false);
      return false;
    }
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
    return true;
  }

  net::awaitable<void> read_loop([[maybe_unused]] std::shared_ptr<BasicH2Session> self) {
    // Two TLS records' worth: enough to take what a socket read brings, small enough for
    // thousands of connections (allocated once the connection is open).
    in_.resize(32 * 1024);
    boost::system::error_code ec;
    while (state_ == State::kOpen) {
      size_t n = co_await stream_.async_read_some(net::buffer(in_), net::redirect_error(net::use_awaitable, ec));
      if (state_ != State::kOpen) break;
      if (!ec) n += read_buffered(n);
      if (n > 0 && !settings_received_ && std::string_view(reinterpret_cast<const char*>(in_.data()), n).starts_with("HTTP/1.")) {
        // h2c with prior knowledge to a server that speaks only HTTP/1.1: it answers 400 in kind.
        fail_all(ErrorKind::kProtocol,
                 "the server answered in HTTP/1.1: it does not speak HTTP/2 without TLS (h2c); target.http: auto "
                 "or \"1.1\" speaks HTTP/1.1 to it",
                 false);
        break;
      }
      if (n > 0) {
        const ssize_t rv = nghttp2_session_mem_recv(session_, in_.data(), n);
        if (rv < 0) {
          fail_all(ErrorKind::kProtocol, fmt::format("the server broke HTTP/2: {}", nghttp2_strerror(static_cast<int>(rv))), true);
          break;
        }
        flush();
      }
      if (ec) {
        const bool closed = ec == net::error::eof || ec == net::ssl::error::stream_truncated;
        fail_all(ErrorKind::kReset, closed ? "the server closed the connection" : ec.message(), true);
        break;
      }
    }
  }

  // Asio's TLS stream hands over one TLS record per read, and a server writes one response
  // per record: read that way, each response woke one request and each went out in a write
  // of its own. The records Asio already holds (decrypted from what one socket read brought)
  // are taken here at once, from the same SSL object, without touching the socket.
  size_t read_buffered(size_t used) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return 0;
    } else {
      SSL* ssl = stream_.native_handle();
      size_t more = 0;
      while (used + more < in_.size()) {
        const int got = SSL_read(ssl, in_.data() + used + more, static_cast<int>(in_.size() - used - more));
        if (got <= 0) {
          ::ERR_clear_error();  // WANT_READ: nothing more buffered; Asio's next read goes on
          break;
        }
        more += static_cast<size_t>(got);
      }
      return more;
    }
  }

  // Requests submitted in one turn of the event loop (users woken by one read of responses)
  // go out in one write: a flush posted behind them, not one write (a syscall) per request.
  void flush_soon() {
    if (flush_posted_) return;
    flush_posted_ = true;
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->flush_posted_ = false;
      self->flush();
    });
  }

  // Sends what nghttp2 has queued: in place as far as the socket takes it, the rest by one
  // write loop at a time.
  void flush() {
    if (writing_ || state_ != State::kOpen || session_ == nullptr) return;
    if (!gather()) return;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      while (!out_.empty()) {
        boost::system::error_code ec;
        const size_t sent = stream_.write_some(net::buffer(out_), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) break;
        if (ec) {
          fail_all(ErrorKind::kReset, ec.message(), true);
          return;
        }
        out_.erase(0, sent);
        if (out_.empty() && !gather()) return;
      }
    }
    if (out_.empty()) {
      end_if_done();
      return;
    }
    writing_ = true;
    net::co_spawn(stream_.get_executor(), write_loop(this->shared_from_this()), net::detached);
  }

  // Moves nghttp2's pending frames into out_; false if the session failed.
  bool gather() {
    while (out_.size() < kWriteBatch) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        fail_all(ErrorKind::kProtocol, fmt::format("HTTP/2: {}", nghttp2_strerror(static_cast<int>(n))), true);
        return false;
      }
      if (n == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    return true;
  }

  net::awaitable<void> write_loop([[maybe_unused]] std::shared_ptr<BasicH2Session> self) {
    boost::system::error_code ec;
    while (!out_.empty() && state_ == State::kOpen) {
      co_await net::async_write(stream_, net::buffer(out_), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        writing_ = false;
        fail_all(ErrorKind::kReset, ec.message(), true);
        co_return;
      }
      out_.clear();
      if (state_ != State::kOpen || !gather()) break;
    }
    writing_ = false;
    end_if_done();
  }

  // nghttp2 wants neither to read nor to write once a GOAWAY ended the session (either side's).
  void end_if_done() {
    if (session_ != nullptr && state_ == State::kOpen && !nghttp2_session_want_read(session_) &&
        !nghttp2_session_want_write(session_)) {
      fail_all(goaway_ ? ErrorKind::kGoaway : ErrorKind::kReset,
               goaway_ ? goaway_text() : "the HTTP/2 session ended", true);
    }
  }

  Stream stream_;
  tcp::endpoint endpoint_;
  Endpoint target_;
  std::string authority_;
  std::string scheme_;
  ConnectionOptions options_;
  nghttp2_session* session_ = nullptr;
  State state_ = State::kIdle;
  bool settings_received_ = false;
  bool closing_ = false;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool goaway_ = false;
  int32_t goaway_last_id_ = 0;
  uint32_t goaway_code_ = 0;
  ErrorKind local_error_ = ErrorKind::kNone;  // why nghttp2 itself ended the connection
  std::string local_detail_;
  // What nghttp2 found wrong in a frame: a stream's error (that stream alone is reset) or the
  // connection's (then it sends GOAWAY, and this is the connection's why).
  std::string invalid_detail_;
  ErrorKind closed_error_ = ErrorKind::kNone;
  std::string closed_detail_;
  size_t active_ = 0;  // stream slots taken (granted or open)
  std::deque<Waiter*> waiters_;
  std::unordered_map<int32_t, std::unique_ptr<StreamState>> streams_;
  int32_t last_found_id_ = 0;
  StreamState* last_found_ = nullptr;
  std::vector<uint8_t> in_;
  std::string out_;
  // Scratch for submit(): reused from one request to the next.
  std::vector<nghttp2_nv> nva_;
  std::vector<std::string> names_;
  std::string length_;
};

}  // namespace

std::shared_ptr<H2Session> make_h2_session(net::any_io_executor executor, tcp::endpoint endpoint,
                                           const Endpoint& target, net::ssl::context* tls_context,
                                           ConnectionOptions options) {
  if (tls_context == nullptr) {
    return std::make_shared<BasicH2Session<tcp::socket>>(tcp::socket(executor), endpoint, target, options);
  }
  using TlsStream = net::ssl::stream<tcp::socket>;
  return std::make_shared<BasicH2Session<TlsStream>>(TlsStream(executor, *tls_context), endpoint, target, options);
}

}  // namespace loadgen::http
