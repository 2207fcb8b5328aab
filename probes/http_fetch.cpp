#include "probes/http_fetch.hpp"

#include <curl/curl.h>

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::probes {
namespace {

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlInit() { curl_global_cleanup(); }
};

struct Sink {
  std::string* body;
  size_t max_bytes;
  bool overflowed = false;
};

size_t append(char* data, size_t size, size_t nmemb, void* user) {
  auto& sink = *static_cast<Sink*>(user);
  const size_t n = size * nmemb;
  if (sink.body->size() + n > sink.max_bytes) {
    sink.overflowed = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink.body->append(data, n);
  return n;
}

}  // namespace

HttpFetcher::HttpFetcher(std::string url, std::string accept, size_t max_bytes, const FetchTls& tls)
    : url_(std::move(url)), accept_(std::move(accept)), max_bytes_(max_bytes), error_(CURL_ERROR_SIZE, '\0') {
  static CurlInit init;
  CURL* curl = curl_easy_init();
  curl_ = curl;
  if (curl == nullptr) return;
  headers_ = curl_slist_append(nullptr, fmt::format("Accept: {}", accept_).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(headers_));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // the target is scraped directly, like it is loaded
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the exporter offers it
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_.data());
  if (!tls.verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
  }
}

HttpFetcher::~HttpFetcher() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
  if (headers_ != nullptr) curl_slist_free_all(static_cast<curl_slist*>(headers_));
}

core::Expected<bool> HttpFetcher::get(std::chrono::milliseconds timeout, HttpBody& out) {
  using R = core::Expected<bool>;
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return R::failure("libcurl could not make a handle");
  out.body.clear();
  out.content_type.clear();
  out.status = 0;
  Sink sink{&out.body, max_bytes_};
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  error_[0] = '\0';
  const CURLcode code = curl_easy_perform(curl);
  if (sink.overflowed) {
    return R::failure(fmt::format("the body is larger than {}", core::format_bytes(static_cast<double>(max_bytes_))));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return R::failure(fmt::format("timed out after {}", core::format_duration(timeout)));
  }
  // curl's buffer says which certificate problem it was ("SSL certificate problem: unable to get
  // local issuer certificate"), where its code only says that there was one.
  if (code != CURLE_OK) return R::failure(error_[0] != '\0' ? std::string(error_.c_str()) : curl_easy_strerror(code));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  const char* type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) out.content_type = type;
  if (out.status < 200 || out.status >= 300) return R::failure(fmt::format("HTTP {}", out.status));
  return true;
}

}  // namespace loadgen::probes
