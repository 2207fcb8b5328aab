#include "harness/http/request_writer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace loadgen::http {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool sets(const Request& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [name](const auto& h) { return same_name(h.first, name); });
}

bool method_has_body(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

}  // namespace

void write_request(const Request& request, std::string_view host_header, std::string& out) {
  out.clear();
  out.append(request.method).append(" ").append(request.target.empty() ? "/" : request.target).append(" HTTP/1.1\r\n");
  if (!sets(request, "host")) out.append("Host: ").append(host_header).append("\r\n");
  if (!sets(request, "user-agent")) out.append("User-Agent: loadgen/0.1\r\n");
  for (const auto& [name, value] : request.headers) {
    if (same_name(name, "content-length") || same_name(name, "transfer-encoding")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!request.body.empty() || method_has_body(request.method)) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, request.body.size()).ptr;
    out.append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out.append("\r\n").append(request.body);
}

}  // namespace loadgen::http
