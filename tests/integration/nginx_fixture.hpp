#pragma once

// A real nginx for tests of loadgen's HTTP/2 client: Debian's /usr/sbin/nginx started as a
// child of the test with a configuration written into a scratch directory (nothing under /etc,
// /var/lib/nginx or /run is read or written, so it runs as root in a container), and the
// certificates an https server block needs, made by openssl.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "probes/child_process.hpp"
#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {

// A CA, a server certificate for IP 127.0.0.1 and DNS localhost, and a client certificate
// (extendedKeyUsage clientAuth), both signed by the CA; EC P-256 keys, made in milliseconds.
// Throws when openssl fails.
struct TestCertificates {
  static TestCertificates make(const ScratchDir& dir);
  std::string ca;  // PEM: what a client trusts (ca_file) and nginx checks client certificates against
  std::string server_cert, server_key;
  std::string client_cert, client_key;
};

// What goes into nginx.conf beside what the fixture writes itself (the process, temp and log
// settings, and the listen directive on the port it picked).
struct NginxConfig {
  // After "listen 127.0.0.1:PORT": "ssl http2" for h2 over TLS, "http2" for h2c with prior
  // knowledge only, "" for HTTP/1.1 in clear.
  std::string listen;
  // The body of the one server block: locations, ssl_certificate ... and per-server settings
  // such as keepalive_requests.
  std::string server;
  // Extra directives at http level, before the server block (limit_req_zone, upstream ...).
  std::string http;
};

class Nginx {
 public:
  // /usr/sbin/nginx is there and was built with the HTTP/2 and SSL modules.
  static bool available();

  // Starts nginx as a non-daemon, single-process child serving `config` on 127.0.0.1 and a
  // port picked here (picked again if another process took it first); returns once nginx has
  // bound the port and a connection to it succeeds. Files go to `dir` (which must outlive the
  // server). Throws, with nginx's stderr, when it does not come up.
  static std::unique_ptr<Nginx> start(const ScratchDir& dir, const NginxConfig& config);
  ~Nginx();  // stops nginx (SIGTERM: its fast shutdown, then SIGKILL)
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  int port() const { return port_; }
  // "https://127.0.0.1:PORT" when the listen parameters say ssl, else "http://...".
  std::string base_url() const;
  // nginx's stderr (its error_log) so far: for failure messages.
  std::string log() const;

 private:
  Nginx() = default;
  std::unique_ptr<probes::ChildProcess> process_;
  int port_ = 0;
  bool tls_ = false;
  std::string log_path_;
};

// A port on 127.0.0.1 that takes connections (the kernel completes them into the listen
// backlog) and never answers: an upstream for nginx's proxy_pass that makes a location slow
// without any module beyond nginx's own.
class SilentPort {
 public:
  SilentPort();  // throws when no socket can be had
  ~SilentPort();
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 that answers each connection with `reply`, byte for byte, once it has
// read the request's head, and then closes it: an upstream for proxy_pass that breaks the
// protocol in a way a test chooses (a body cut short of its Content-Length ...).
class RawUpstream {
 public:
  explicit RawUpstream(std::string reply);  // throws when no socket can be had
  ~RawUpstream();
  RawUpstream(const RawUpstream&) = delete;
  RawUpstream& operator=(const RawUpstream&) = delete;
  int port() const { return port_; }

 private:
  void serve();
  int fd_ = -1;
  int port_ = 0;
  std::string reply_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace loadgen::testing
