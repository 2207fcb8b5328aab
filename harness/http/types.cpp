#include "harness/http/types.hpp"

#include <charconv>

#include <fmt/format.h>

#include "harness/core/base_url.hpp"

namespace loadgen::http {

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}

std::string h2_error_name(uint32_t code) {
  static constexpr std::string_view kNames[kH2ErrorCodes] = {
      "NO_ERROR",        "PROTOCOL_ERROR", "INTERNAL_ERROR",    "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
      "STREAM_CLOSED",   "FRAME_SIZE_ERROR", "REFUSED_STREAM",  "CANCEL",             "COMPRESSION_ERROR",
      "CONNECT_ERROR",   "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};
  return code < kH2ErrorCodes ? std::string(kNames[code]) : fmt::format("0x{:x}", code);
}

std::string_view to_string(Protocol p) {
  switch (p) {
    case Protocol::kHttp1: return "http/1.1";
    case Protocol::kH2: return "h2";
    case Protocol::kH2c: return "h2c";
    case Protocol::kCount_: break;
  }
  return "unknown";
}

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "none";
    case ErrorKind::kConnectRefused: return "connect_refused";
    case ErrorKind::kConnectTimeout: return "connect_timeout";
    case ErrorKind::kConnectError: return "connect_error";
    case ErrorKind::kReset: return "reset";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kBadStatus: return "bad_status";
    case ErrorKind::kCheckFailed: return "check_failed";
    case ErrorKind::kProtocol: return "protocol";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kExtractMissing: return "extract_missing";
    case ErrorKind::kUntilTimeout: return "until_timeout";
    case ErrorKind::kFeedExhausted: return "feed_exhausted";
    case ErrorKind::kRedirectLoop: return "redirect_loop";
    case ErrorKind::kRedirectNoLocation: return "redirect_no_location";
    case ErrorKind::kRedirectLimit: return "redirect_limit";
    case ErrorKind::kRedirectOffOrigin: return "redirect_off_origin";
    case ErrorKind::kTlsVerify: return "tls_verify";
    case ErrorKind::kGoaway: return "goaway";
    case ErrorKind::kStreamReset: return "stream_reset";
    case ErrorKind::kFlowControl: return "flow_control";
    case ErrorKind::kCount_: break;
  }
  return "unknown";
}

std::string Endpoint::host_header() const {
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::string h = ipv6 ? "[" + host + "]" : host;
  return default_port ? h : fmt::format("{}:{}", h, port);
}

bool parse_base_url(std::string_view url, Endpoint& out, std::string& error) {
  auto parsed = core::parse_base_url(url);
  if (!parsed) {
    error = parsed.error();
    return false;
  }
  out.tls = parsed->tls;
  out.host = std::move(parsed->host);
  out.port = parsed->port;
  out.base_path = std::move(parsed->base_path);
  return true;
}

}  // namespace loadgen::http
