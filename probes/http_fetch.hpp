#pragma once

#include <chrono>
#include <string>

#include "harness/core/expected.hpp"

// Repeated GETs of one URL with the body kept, for scraping a metrics endpoint: the connection
// is kept alive between calls (one handle), so a scrape a second costs no handshake.
namespace loadgen::probes {

struct HttpBody {
  long status = 0;
  std::string content_type;
  std::string body;
};

// How an https:// server is trusted: as the load trusts the target (scenario: target.tls).
struct FetchTls {
  bool verify = true;     // chain and host name, against the system's CA store or ca_file
  std::string ca_file;
  std::string cert_file;  // a client certificate (mutual TLS), with key_file
  std::string key_file;
};

class HttpFetcher {
 public:
  // `accept`: the Accept header; `max_bytes`: a larger body is an error, not an allocation.
  HttpFetcher(std::string url, std::string accept, size_t max_bytes, const FetchTls& tls = {});
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // Fails with what went wrong: "connection refused", "timed out after 1s", "HTTP 404",
  // "the body is larger than 64MB". `out.body` keeps its capacity from call to call.
  core::Expected<bool> get(std::chrono::milliseconds timeout, HttpBody& out);

  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::string accept_;
  size_t max_bytes_;
  void* curl_ = nullptr;  // CURL*, kept out of the header
  void* headers_ = nullptr;  // curl_slist*
  std::string error_;        // curl's own words for the last failure (CURLOPT_ERRORBUFFER)
};

}  // namespace loadgen::probes
