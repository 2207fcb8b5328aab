#include "probes/http_probe.hpp"

#include <curl/curl.h>

#include <fmt/format.h>

namespace loadgen::probes {
namespace {

size_t discard(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

}  // namespace

int http_get_status(const std::string& host, int port, const std::string& path,
                    std::chrono::milliseconds timeout) {
  static CurlGlobal global;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  const bool ipv6 = host.find(':') != std::string::npos;
  const auto url = fmt::format("http://{}:{}{}", ipv6 ? "[" + host + "]" : host, port, path);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // readiness is always checked directly
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return static_cast<int>(status);
}

}  // namespace loadgen::probes
