#include "tests/integration/nginx_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "probes/target_launcher.hpp"

namespace loadgen::testing {
namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

// A listening socket on 127.0.0.1 and a port the kernel picks; -1 when there is none.
int listen_on_loopback(int backlog, int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

bool nginx_connects(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// Every path nginx would otherwise take from its build (/var/lib/nginx/..., /run/nginx.pid,
// /var/log/nginx/access.log) is set to one under `prefix`: as root in a container those are
// missing or belong to the host's nginx.
std::string nginx_conf(const std::string& prefix, int port, const NginxConfig& config) {
  return fmt::format(R"conf(# Written by tests/integration/nginx_fixture.cpp.
# One process, in the foreground: the test owns it, and SIGTERM (its fast shutdown) ends it.
daemon off;
master_process off;
pid {p}/nginx.pid;
lock_file {p}/nginx.lock;
# notice: the start-up lines the fixture waits for ("getrlimit(RLIMIT_NOFILE)" comes once the
# listening sockets are open) without a line per connection under load.
error_log stderr notice;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {p}/client_body;
  proxy_temp_path {p}/proxy;
  fastcgi_temp_path {p}/fastcgi;
  uwsgi_temp_path {p}/uwsgi;
  scgi_temp_path {p}/scgi;
  default_type text/plain;
{http}
  server {{
    listen 127.0.0.1:{port} {listen};
{server}
  }}
}}
)conf",
                     fmt::arg("p", prefix), fmt::arg("port", port), fmt::arg("listen", config.listen),
                     fmt::arg("http", config.http), fmt::arg("server", config.server));
}

}  // namespace

TestCertificates TestCertificates::make(const ScratchDir& dir) {
  const auto ssl = [](std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const auto run = run_command(args, std::chrono::seconds(30));
    if (run.exit_code != 0) throw std::runtime_error("openssl failed: " + run.stderr_text);
  };
  const auto f = [&](const std::string& name) { return dir.file(name); };
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  const auto with = [&](std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), ec.begin(), ec.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  ssl(with({"req", "-x509"},
           {"-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "1", "-subj", "/CN=loadgen test CA"}));
  for (const std::string who : {"server", "client"}) {
    ssl(with({"req"}, {"-keyout", f(who + ".key"), "-out", f(who + ".csr"), "-subj", "/CN=" + who}));
    const auto ext = dir.write(who + ".ext", who == "server" ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                                             : "extendedKeyUsage=clientAuth\n");
    ssl({"x509", "-req", "-in", f(who + ".csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out",
         f(who + ".pem"), "-days", "1", "-extfile", ext});
  }
  return {f("ca.pem"), f("server.pem"), f("server.key"), f("client.pem"), f("client.key")};
}

bool Nginx::available() {
  // Asked once per process: `nginx -V` lists the configure flags (on stderr).
  static const bool yes = [] {
    if (access(kNginx, X_OK) != 0) return false;
    const auto v = run_command({kNginx, "-V"}, std::chrono::seconds(10));
    const auto& flags = v.stderr_text;
    return v.exit_code == 0 && flags.find("--with-http_v2_module") != std::string::npos &&
           flags.find("--with-http_ssl_module") != std::string::npos;
  }();
  return yes;
}

std::unique_ptr<Nginx> Nginx::start(const ScratchDir& dir, const NginxConfig& config) {
  static std::atomic<int> instances{0};
  const auto deadline_after = std::chrono::seconds(10);
  std::string last_log;
  // The port is free when picked and bound by nginx a moment later: another test running
  // beside this one (ctest -j) may take it in between. nginx then says so and retries its
  // bind for 2.5 s; we stop it at once and pick again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto port = probes::pick_free_port("127.0.0.1");
    if (!port) throw std::runtime_error("no free port on 127.0.0.1");
    const auto prefix = dir.path() / fmt::format("nginx-{}", ++instances);
    std::filesystem::create_directories(prefix);
    const auto conf = (prefix / "nginx.conf").string();
    std::ofstream(conf) << nginx_conf(prefix.string(), *port, config);

    std::unique_ptr<Nginx> server(new Nginx());
    server->port_ = *port;
    server->tls_ = (" " + config.listen + " ").find(" ssl ") != std::string::npos;
    server->log_path_ = (prefix / "stderr.log").string();
    // -e: the error log before the configuration is read (the build's default may be a file).
    auto child = probes::ChildProcess::spawn(
        {{kNginx, "-p", prefix.string() + "/", "-c", conf, "-e", "stderr"}, {}, "", server->log_path_});
    if (!child) throw std::runtime_error(child.error());
    server->process_ = std::move(child).value();

    // A connect alone does not prove nginx is up: whoever took the port first would accept it
    // while nginx still retries its bind. nginx logs getrlimit(RLIMIT_NOFILE) (notice) once
    // the configuration is loaded and its sockets listen, and "Address already in use" at
    // once when the bind fails.
    const auto line = server->process_->wait_for_line(
        [](const probes::OutputLine& l) {
          return l.text.find("getrlimit(RLIMIT_NOFILE)") != std::string::npos ||
                 l.text.find("Address already in use") != std::string::npos;
        },
        probes::Clock::now() + deadline_after);
    if (line && line->text.find("Address already in use") != std::string::npos) {
      last_log = server->log();
      continue;  // ~Nginx stops this one
    }
    if (!line) {
      server->process_->stop(std::chrono::seconds(2));
      throw std::runtime_error(fmt::format("nginx did not start ({}): {}", server->process_->exit_description(),
                                           server->log()));
    }
    // Bound and listening; the kernel takes connections from here on.
    const auto until = probes::Clock::now() + deadline_after;
    while (!nginx_connects(*port)) {
      if (!server->process_->running() || probes::Clock::now() > until) {
        throw std::runtime_error("nginx does not accept connections: " + server->log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server;
  }
  throw std::runtime_error("nginx found its port taken 5 times in a row: " + last_log);
}

Nginx::~Nginx() {
  if (process_) process_->stop(std::chrono::seconds(2));
}

std::string Nginx::base_url() const { return fmt::format("{}://127.0.0.1:{}", tls_ ? "https" : "http", port_); }

std::string Nginx::log() const {
  std::ifstream in(log_path_, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

SilentPort::SilentPort() {
  // A backlog well above what a short test sends: past it the kernel stops completing
  // connections, and nginx would see connect timeouts instead of silence.
  fd_ = listen_on_loopback(1024, port_);
  if (fd_ < 0) throw std::runtime_error(fmt::format("silent port: {}", std::strerror(errno)));
}

SilentPort::~SilentPort() { close(fd_); }

RawUpstream::RawUpstream(std::string reply) : reply_(std::move(reply)) {
  fd_ = listen_on_loopback(128, port_);
  if (fd_ < 0) throw std::runtime_error(fmt::format("raw upstream: {}", std::strerror(errno)));
  thread_ = std::thread([this] { serve(); });
}

RawUpstream::~RawUpstream() {
  stopping_ = true;
  shutdown(fd_, SHUT_RDWR);  // wakes the accept below (EINVAL on Linux)
  thread_.join();
  close(fd_);
}

void RawUpstream::serve() {
  for (;;) {
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    // The whole head first: closing with unread bytes would send a TCP reset, which nginx
    // may see before the reply.
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    for (size_t sent = 0; sent < reply_.size();) {
      const ssize_t n = send(c, reply_.data() + sent, reply_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    close(c);
  }
}

}  // namespace loadgen::testing
