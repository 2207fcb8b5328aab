// TLS as loadgen trusts it: the server's certificate is verified by default (chain and host
// name), a refused certificate is an error of its own kind with the verifier's reason (never a
// silent pass), target.tls gives a CA file, a server name, verify: false, and a client
// certificate for mutual TLS. Against test_server --tls with certificates made here by openssl.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

// A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, both signed
// by the CA (EC keys: made in milliseconds).
class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<ScratchDir>("tls-verify");
    const auto ssl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "openssl");
      const auto run = run_command(args, std::chrono::seconds(30));
      ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    };
    const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
    auto with = [&](std::vector<std::string> head, const std::vector<std::string>& tail) {
      head.insert(head.end(), ec.begin(), ec.end());
      head.insert(head.end(), tail.begin(), tail.end());
      return head;
    };
    ssl(with({"req", "-x509"}, {"-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "1", "-subj", "/CN=loadgen test CA"}));
    for (const std::string who : {"server", "client"}) {
      ssl(with({"req"}, {"-keyout", f(who + ".key"), "-out", f(who + ".csr"), "-subj", "/CN=" + who}));
      const auto ext = dir_->write(who + ".ext", who == "server" ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                                                 : "extendedKeyUsage=clientAuth\n");
      ssl({"x509", "-req", "-in", f(who + ".csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out",
           f(who + ".pem"), "-days", "1", "-extfile", ext});
    }
  }
  std::string f(const std::string& name) const { return dir_->file(name); }

  // A short run against `server` with `tls` under target:; returns result.json.
  json run(const RunningServer& server, const std::string& tls, int expected_exit, const std::string& host = "127.0.0.1") {
    static int n = 0;
    const auto name = fmt::format("run{}", ++n);
    const auto file = dir_->write(name + ".yaml", fmt::format(R"(name: tls
target:
  base_url: https://{}:{}
{}load: {{ rate: 20, duration: 500ms }}
requests:
  - {{ get: /ok, check: {{ status: 200 }} }}
)",
                                                                  host, server.port(), tls));
    const auto result = run_loadgen({"run", file, "-q", "-o", f(name), "-t", "1"});
    EXPECT_EQ(result.exit_code, expected_exit) << result.stdout_text << result.stderr_text;
    return read_json(f(name + "/result.json"));
  }
  std::unique_ptr<ScratchDir> dir_;
};

TEST_F(Tls, TheServerIsVerifiedByDefaultAndARefusalSaysWhy) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--tls", f("server.pem"), f("server.key")});
  // Not signed by anything in the system's store: every request fails, as tls_verify.
  const auto untrusted = run(*server, "", 1);
  EXPECT_EQ(untrusted["requests"]["completed"], 0);
  EXPECT_EQ(untrusted["requests"]["errors_by_kind"]["tls_verify"], untrusted["requests"]["sent"]);
  EXPECT_NE(untrusted["first_errors"]["tls_verify"].get<std::string>().find(
                "the server's certificate was refused for 127.0.0.1: unable to get local issuer certificate"),
            std::string::npos)
      << untrusted["first_errors"];
  EXPECT_EQ(untrusted["verdict"], "fail");

  // Trusting its CA: verified, every request answered.
  const auto trusted = run(*server, fmt::format("  tls: {{ ca_file: \"{}\" }}\n", f("ca.pem")), 0);
  EXPECT_EQ(trusted["requests"]["completed"], 10);
  EXPECT_EQ(trusted["requests"]["errors"], 0);
  // By its DNS name as well.
  EXPECT_EQ(run(*server, fmt::format("  tls: {{ ca_file: \"{}\" }}\n", f("ca.pem")), 0, "localhost")["requests"]["errors"], 0);

  // The certificate does not name what server_name says: refused, and the reason says so.
  const auto wrong = run(*server, fmt::format("  tls: {{ ca_file: \"{}\", server_name: other.example }}\n", f("ca.pem")), 1);
  EXPECT_EQ(wrong["requests"]["errors_by_kind"]["tls_verify"], wrong["requests"]["sent"]);
  EXPECT_NE(wrong["first_errors"]["tls_verify"].get<std::string>().find("for other.example: hostname mismatch"),
            std::string::npos)
      << wrong["first_errors"];

  // verify: false is the staging escape hatch: no check at all.
  EXPECT_EQ(run(*server, "  tls: { verify: false }\n", 0)["requests"]["completed"], 10);
}

TEST_F(Tls, MutualTlsSendsTheClientCertificate) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--tls", f("server.pem"), f("server.key"),
                                      "--client-ca", f("ca.pem")});
  const auto ca = fmt::format("ca_file: \"{}\"", f("ca.pem"));
  // Without a client certificate the server ends the handshake.
  const auto refused = run(*server, fmt::format("  tls: {{ {} }}\n", ca), 1);
  EXPECT_EQ(refused["requests"]["completed"], 0);
  EXPECT_GT(refused["requests"]["errors"].get<int>(), 0);
  const auto mutual = run(*server, fmt::format("  tls: {{ {}, cert: \"{}\", key: \"{}\" }}\n", ca, f("client.pem"), f("client.key")), 0);
  EXPECT_EQ(mutual["requests"]["completed"], 10);
  EXPECT_EQ(mutual["requests"]["errors"], 0);
}

TEST_F(Tls, BadTlsSettingsAreLocated) {
  const auto file = dir_->write("bad.yaml", R"(name: bad
target:
  base_url: https://127.0.0.1:9
  tls: { ca_file: /nonexistent/ca.pem, cert: client.pem, verify: maybe }
load: { rate: 1, duration: 1s }
requests: [ { get: /ok } ]
)");
  const auto result = run_loadgen({"validate", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.stderr_text.find("bad.yaml:4:19: target.tls.ca_file: no such file '/nonexistent/ca.pem'"), std::string::npos)
      << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("verify is true or false, not 'maybe'"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("mutual TLS needs both cert: and key:"), std::string::npos) << result.stderr_text;
}


// The target's metrics endpoint on https is trusted as the target is (target.tls): scraped
// with the CA file, refused without it, with curl's reason among the scrape errors.
TEST_F(Tls, AnHttpsMetricsEndpointIsTrustedAsTheTargetIs) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--tls", f("server.pem"), f("server.key")});
  const auto scrape = [&](const std::string& tls, int expected_exit) {
    static int n = 0;
    const auto name = fmt::format("metrics{}", ++n);
    const auto file = dir_->write(name + ".yaml", fmt::format(R"(name: tls-metrics
target:
  base_url: https://127.0.0.1:{}
{}load: {{ rate: 20, duration: 600ms }}
requests:
  - {{ get: /ok }}
probes:
  metrics: {{ url: /metrics, interval: 200ms }}
)",
                                                              server->port(), tls));
    const auto result = run_loadgen({"run", file, "-q", "-o", f(name), "-t", "1"});
    EXPECT_EQ(result.exit_code, expected_exit) << result.stdout_text << result.stderr_text;
    return read_json(f(name + "/result.json"));
  };
  const auto trusted = scrape(fmt::format("  tls: {{ ca_file: \"{}\" }}\n", f("ca.pem")), 0);
  EXPECT_GE(trusted["target_metrics"]["scrapes"].get<int>(), 3) << trusted["target_metrics"];
  EXPECT_EQ(trusted["target_metrics"]["scrape_failures"], 0) << trusted["target_metrics"];

  const auto refused = scrape("", 1);
  EXPECT_GE(refused["target_metrics"]["scrapes"].get<int>(), 3) << refused["target_metrics"];
  EXPECT_EQ(refused["target_metrics"]["scrape_failures"], refused["target_metrics"]["scrapes"]);
  EXPECT_NE(refused["target_metrics"]["first_error"].get<std::string>().find("SSL certificate problem"), std::string::npos)
      << refused["target_metrics"]["first_error"];
}

}  // namespace
}  // namespace loadgen::testing
