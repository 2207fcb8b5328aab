#pragma once

// Internal to the HTTP client (includes Beast). A response parser that keeps only what the
// load engine uses: the status, the body (or just its size) and, on demand, the headers.
// Beast's response_parser<string_body> builds a fields container with one allocation per
// header line, for every response; at tens of thousands of responses a second that was a
// large share of the client's CPU, and the engine never reads those fields.
#include <algorithm>
#include <cstdint>

#include <boost/beast/http/basic_parser.hpp>

#include "harness/http/types.hpp"

namespace loadgen::http {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // Parsed parts go straight into `response`, which must outlive the parser.
  ResponseParser(Response& response, bool keep_body, bool keep_headers)
      : response_(response), keep_body_(keep_body), keep_headers_(keep_headers) {}

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override { response_.status = code; }
  void on_field_impl(boost::beast::http::field field, string_view name, string_view value, error_code&) override {
    // A redirect's Location is always kept: the load engine follows it (load/redirect.hpp).
    // On other statuses it costs nothing (a 201's Location is not the next request).
    const bool location = field == boost::beast::http::field::location && response_.status / 100 == 3;
    if (keep_headers_ || location) response_.headers.emplace_back(std::string(name), std::string(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The server's Content-Length is a claim, not a size to allocate: a reservation of at most
    // 1 MiB, the string grows past it as bytes arrive (and the body limit stops it).
    constexpr std::uint64_t kMaxReserve = 1u << 20;
    if (keep_body_ && length) response_.body.reserve(static_cast<size_t>(std::min(*length, kMaxReserve)));
  }
  std::size_t on_body_impl(string_view body, error_code&) override {
    if (keep_body_) response_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    if (keep_body_) response_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  Response& response_;
  const bool keep_body_;
  const bool keep_headers_;
};

}  // namespace loadgen::http
