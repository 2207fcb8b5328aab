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
  kCount_,           // number of kinds, not a kind
};
constexpr size_t kErrorKinds = static_cast<size_t>(ErrorKind::kCount_);

std::string_view to_string(ErrorKind kind);  // "connect_refused", "timeout", ...
constexpr bool is_transport_error(ErrorKind k) {
  return k != ErrorKind::kNone && k != ErrorKind::kBadStatus && k != ErrorKind::kCheckFailed &&
         k != ErrorKind::kExtractMissing && k != ErrorKind::kUntilTimeout &&
         k != ErrorKind::kFeedExhausted;
}

struct Request {
  std::string method = "GET";
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);
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
};

// Where requests go: parsed from a base URL like "http://127.0.0.1:8080/prefix".
struct Endpoint {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
  std::string host_header() const;  // "127.0.0.1:8080"
};

// Accepts http:// and https:// URLs; the failure says what is wrong.
bool parse_base_url(std::string_view url, Endpoint& out, std::string& error);

}  // namespace loadgen::http
