#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Plain request/response values and the error taxonomy of the HTTP client. No Asio here.
namespace loadgen::http {

// Every way a request can fail; each is counted separately and none stops a run.
enum class ErrorKind : uint8_t {
  kNone = 0,
  kConnectRefused,   // nothing listening, or the connection was actively refused
  kConnectTimeout,   // the TCP (or TLS) handshake did not finish in time
  kConnectError,     // any other failure to connect (unreachable, resolution, TLS)
  kReset,            // the peer reset or closed the connection mid-exchange
  kTimeout,          // no complete response before the request's timeout
  kBadStatus,        // a response whose status the check does not accept
  kCheckFailed,      // status fine, but a body/JSON check failed
  kProtocol,         // malformed response, or a body beyond the size limit
  kCancelled,        // still in flight when the run was interrupted
  // Flow steps (see load/flow_step.hpp): the response arrived, but the journey cannot go on.
  kExtractMissing,   // a value to extract was not in the response, and has no default
  kUntilTimeout,     // a polled step's condition was still unmet at its timeout
  kFeedExhausted,    // a flow found no row left in its feed (at_end: fail)
  // Redirects (load/redirect.hpp): a 3xx that would be followed, but cannot be.
  kRedirectLoop,       // the chain came back to a request it had already sent
  kRedirectNoLocation, // a 301/302/303/307/308 without a Location header (or an empty one)
  kRedirectLimit,      // more redirects than the request's max_redirects
  kRedirectOffOrigin,  // a Location on another scheme, host or port than the target's: never sent
  kTlsVerify,        // the server's certificate was refused (untrusted, expired, another name)
  // HTTP/2 (h2_session.hpp): the connection or the stream ended otherwise than by a response.
  kGoaway,           // the server's GOAWAY with an error code ended the connection under the stream
  kStreamReset,      // the server reset the stream (RST_STREAM; first_errors names its code)
  kFlowControl,      // a flow-control window was broken (FLOW_CONTROL_ERROR)
  kCount_,           // number of kinds, not a kind
};
constexpr size_t kErrorKinds = static_cast<size_t>(ErrorKind::kCount_);

std::string_view to_string(ErrorKind kind);  // "connect_refused", "timeout", ...
constexpr bool is_redirect_error(ErrorKind k) {
  return k == ErrorKind::kRedirectLoop || k == ErrorKind::kRedirectNoLocation || k == ErrorKind::kRedirectLimit ||
         k == ErrorKind::kRedirectOffOrigin;
}
constexpr bool is_transport_error(ErrorKind k) {
  return k != ErrorKind::kNone && k != ErrorKind::kBadStatus && k != ErrorKind::kCheckFailed &&
         k != ErrorKind::kExtractMissing && k != ErrorKind::kUntilTimeout &&
         k != ErrorKind::kFeedExhausted && !is_redirect_error(k);
}

// A response arrived, whatever its status or check said: what throughput counts. A redirect
// that cannot be followed is a 3xx that arrived.
constexpr bool got_response(ErrorKind k) {
  return k == ErrorKind::kNone || k == ErrorKind::kBadStatus || k == ErrorKind::kCheckFailed ||
         k == ErrorKind::kExtractMissing || k == ErrorKind::kUntilTimeout || is_redirect_error(k);
}
// A latency the user felt: every response, and every request given up at its timeout (at the
// moment it was abandoned; left out, 2% of requests hanging would not show in p99 or max).
constexpr bool has_latency(ErrorKind k) { return got_response(k) || k == ErrorKind::kTimeout; }

struct Request {
  std::string method = "GET";
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);
  // false: the response body is counted and dropped as it arrives, never held (no check or
  // extraction reads it), and the body limit does not apply to it.
  bool keep_body = true;
  // The request's bytes, prepared once (write_request) for a request that never changes; then
  // only `method` and `timeout` above need be set. Not owned: it outlives the exchange.
  const std::string* wire = nullptr;
};

struct Response {
  ErrorKind error = ErrorKind::kNone;
  std::string error_detail;   // the system's words, for the first errors of a kind
  int status = 0;
  std::string body;
  uint64_t bytes_received = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent a second time, on a fresh connection: the reused one was closed by the server before
  // any response byte. Only idempotent methods are sent again (see is_idempotent).
  bool resent = false;
  // Redirects followed before this, the final response of the chain (load/redirect.hpp).
  int redirects = 0;
  // HTTP/2: when the request's stream opened, later than the exchange began if every stream
  // of the connection was busy (that wait is send lag). Unset (epoch) on HTTP/1.1.
  std::chrono::steady_clock::time_point stream_opened{};
  // HTTP/2: the error code that ended the stream (RST_STREAM's or GOAWAY's), if one did.
  uint32_t h2_error_code = kNoH2ErrorCode;
  static constexpr uint32_t kNoH2ErrorCode = 0xFFFFFFFF;
};

// RFC 9113's names of HTTP/2 error codes ("INTERNAL_ERROR", ...); "0x2a" for others.
std::string h2_error_name(uint32_t code);
constexpr size_t kH2ErrorCodes = 14;  // NO_ERROR (0x0) .. HTTP_1_1_REQUIRED (0xd); larger codes are counted as one

// RFC 9110 9.2.2: a request the server may receive twice without harm. Only these are sent
// again after a reused connection closes before answering; a POST may already have arrived.
bool is_idempotent(std::string_view method);

// Where requests go: parsed from a base URL like "http://127.0.0.1:8080/prefix".
// How the server of an https:// target is trusted (scenario: target.tls).
struct TlsOptions {
  bool verify = true;       // the certificate chain and the host name are checked
  std::string ca_file;      // trusted instead of the system's CA store ("": the system's)
  std::string cert_file;    // a client certificate (mutual TLS), with key_file
  std::string key_file;
  std::string server_name;  // SNI and the name checked ("": the URL's host)
};

enum class Protocol : uint8_t { kHttp1, kH2, kH2c, kCount_ };
std::string_view to_string(Protocol p);  // "http/1.1", "h2", "h2c" (ALPN's names; h2c: h2 in clear)

struct Endpoint {
  bool tls = false;
  TlsOptions tls_options;
  // target.http: 0 negotiates (ALPN on https, HTTP/1.1 on http), 1 is HTTP/1.1, 2 is HTTP/2.
  int http_version = 0;
  int max_streams = 0;  // HTTP/2 concurrent streams per connection at most; 0: the server's limit
  std::string host;
  uint16_t port = 0;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
  std::string host_header() const;  // "127.0.0.1:8080"
};

// Accepts http:// and https:// URLs; the failure says what is wrong.
bool parse_base_url(std::string_view url, Endpoint& out, std::string& error);

}  // namespace loadgen::http
