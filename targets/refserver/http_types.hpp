#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The HTTP request and response as route handlers see them: plain values with no Beast or
// Asio types, so handlers compile fast and are tested without sockets.
namespace loadgen::refserver {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as received, e.g. "GET"
  std::string path;    // percent-decoded, without the query string
  std::string query;   // raw, without the leading '?'
  HeaderList headers;  // names lower-cased
  std::string body;

  // The first header with this (lower-case) name.
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;  // extra headers; Content-Type and Content-Length are set by the server
};

// Splits a request target ("/a%20b?x=1") into its decoded path and raw query. nullopt when
// the path has a malformed escape or does not start with '/'.
std::optional<Request> make_request(std::string method, std::string_view target, HeaderList headers,
                                    std::string body);

// {"error": message} with the given status.
Response error_response(int status, std::string_view message);

}  // namespace loadgen::refserver
