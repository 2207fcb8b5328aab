#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// A small libcurl (easy API) client for integration tests. One handle per client, so
// consecutive requests reuse a kept-alive connection. Loopback only, never a proxy, and
// every request is bounded by a timeout.
namespace loadgen::refserver::testing {

struct HttpResponse {
  long status = 0;  // 0: the request failed (see error)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string error;

  std::string header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse get(const std::string& path) { return request("GET", path, {}, {}); }
  HttpResponse post(const std::string& path, const std::string& body,
                    const std::vector<std::string>& headers = {}) {
    return request("POST", path, body, headers);
  }
  HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                       const std::vector<std::string>& headers);

 private:
  std::string base_;
  void* curl_;  // CURL*, kept out of this header
};

}  // namespace loadgen::refserver::testing
