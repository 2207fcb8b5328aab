// loadgen's HTTP/2 client against a real nginx (1.22, Debian's): h2 chosen by ALPN, asked for or
// negotiated; h2c with prior knowledge; HTTP/1.1 when asked; certificates refused and client
// certificates; flows, extraction, checks and redirects as on HTTP/1.1; and the ways an HTTP/2 server ends streams and connections that a test server
// of our own would only imitate: the graceful GOAWAY of keepalive_requests (the connection is
// rotated, nothing is lost), a GOAWAY with an error code, RST_STREAM on one stream of a
// connection others go on using, and a stream given up at its timeout while its connection
// carries on; and a complete response followed by RST_STREAM NO_ERROR, which is still the
// answer. Each nginx set-up was checked with nghttp -v first; the frames it produced are
// quoted above the test. Skipped where nginx is not installed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"
#include "tests/integration/nginx_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

// A count in result.json, 0 where the key is absent (an error kind that did not occur).
uint64_t h2_count(const json& r, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return r.contains(p) ? r.at(p).get<uint64_t>() : 0;
}
std::string h2_text(const json& r, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return r.contains(p) ? r.at(p).get<std::string>() : "";
}

constexpr const char* kOk = "location = /ok { return 200 \"ok\\n\"; }\n";

class H2Nginx : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Nginx::available()) GTEST_SKIP() << "nginx is not installed (scripts/setup installs nginx-light)";
    dir_ = std::make_unique<ScratchDir>("h2-nginx");
    certs_ = TestCertificates::make(*dir_);
  }

  // nginx serving h2 (and http/1.1, by ALPN) over TLS with the test CA's server certificate.
  std::unique_ptr<Nginx> https(const std::string& server = kOk, const std::string& http = "") {
    return Nginx::start(*dir_, {"ssl http2",
                                fmt::format("ssl_certificate {};\nssl_certificate_key {};\n{}", certs_.server_cert,
                                            certs_.server_key, server),
                                http});
  }
  std::string trust() const { return fmt::format("  tls: {{ ca_file: \"{}\" }}\n", certs_.ca); }

  // One short run: `target` is the lines under target: after base_url, `load` the load:
  // mapping, `requests` the list's lines. Returns result.json.
  json run(const Nginx& nginx, const std::string& target, const std::string& load, const std::string& requests,
           int expected_exit) {
    static int n = 0;
    const auto name = fmt::format("run{}", ++n);
    const auto yaml = fmt::format("name: h2\ntarget:\n  base_url: {}\n{}load: {}\nrequests:\n{}", nginx.base_url(),
                                  target, load, requests);
    const auto file = dir_->write(name + ".yaml", yaml);
    const auto result = run_loadgen({"run", file, "-q", "-o", f(name), "-t", "1"});
    EXPECT_EQ(result.exit_code, expected_exit) << result.stdout_text << result.stderr_text << "\nnginx:\n"
                                               << nginx.log();
    return read_json(f(name + "/result.json"));
  }
  std::string f(const std::string& name) const { return dir_->file(name); }

  std::unique_ptr<ScratchDir> dir_;
  TestCertificates certs_;
};

// Every request answered, and every connection the run opened spoke `protocol`. (Results are
// taken by value and looked into without const: a key loadgen left out reads as null, where
// const operator[] would be undefined.)
void expect_all_completed_over(json r, const std::string& protocol) {
  EXPECT_GT(r["requests"]["sent"].get<uint64_t>(), 0u);
  EXPECT_EQ(r["requests"]["completed"], r["requests"]["scheduled"]) << r["requests"];
  EXPECT_EQ(r["requests"]["errors"], 0) << r["first_errors"];
  const auto opened = h2_count(r, "/connections/opened");
  EXPECT_GE(opened, 1u);
  EXPECT_EQ(r["connections"]["protocols"], json({{protocol, opened}})) << r["connections"];
}

TEST_F(H2Nginx, TlsNegotiatesH2ByAlpnWhenAskedAndByDefault) {
  const auto nginx = https();
  const auto load = "{ rate: 40, duration: 500ms, connections: 2 }";
  const auto ok = "  - { get: /ok, check: { status: 200 } }\n";
  expect_all_completed_over(run(*nginx, "  http: \"2\"\n" + trust(), load, ok, 0), "h2");
  // No http: ALPN offers h2 and http/1.1, and nginx prefers h2.
  expect_all_completed_over(run(*nginx, trust(), load, ok, 0), "h2");
}

TEST_F(H2Nginx, H2cWithPriorKnowledge) {
  // listen ... http2 without ssl: nginx 1.22 speaks HTTP/2 only there, from the preface on.
  const auto nginx = Nginx::start(*dir_, {"http2", kOk, ""});
  expect_all_completed_over(run(*nginx, "  http: \"2\"\n", "{ rate: 40, duration: 500ms, connections: 2 }",
                                "  - { get: /ok, check: { status: 200 } }\n", 0),
                            "h2c");
}

TEST_F(H2Nginx, Http11WhenAskedEvenWhereH2IsOffered) {
  const auto nginx = https();
  const auto r = run(*nginx, "  http: \"1.1\"\n" + trust(), "{ rate: 40, duration: 500ms, connections: 2 }",
                     "  - { get: /ok, check: { status: 200 } }\n", 0);
  expect_all_completed_over(r, "http/1.1");
}

TEST_F(H2Nginx, AnUntrustedCertificateIsRefused) {
  const auto nginx = https();
  // The test CA is in no store: every request fails before a stream is opened.
  auto r = run(*nginx, "  http: \"2\"\n", "{ rate: 20, duration: 500ms }", "  - { get: /ok }\n", 1);
  EXPECT_EQ(r["requests"]["completed"], 0);
  EXPECT_GT(r["requests"]["sent"].get<uint64_t>(), 0u);
  EXPECT_EQ(h2_count(r, "/requests/errors_by_kind/tls_verify"), r["requests"]["sent"].get<uint64_t>())
      << r["requests"];
  EXPECT_NE(h2_text(r, "/first_errors/tls_verify").find("the server's certificate was refused for 127.0.0.1"),
            std::string::npos)
      << r["first_errors"];
  EXPECT_EQ(r["verdict"], "fail");
}

// nginx's ssl_verify_client on does not end the handshake when no certificate comes: it
// answers each request 400 "No required SSL certificate was sent". Over HTTP/2 the connection
// stays open and every stream gets that answer (over HTTP/1.1 it adds Connection: close).
TEST_F(H2Nginx, MutualTls) {
  const auto nginx =
      https(fmt::format("ssl_verify_client on;\nssl_client_certificate {};\n{}", certs_.ca, kOk));
  const auto load = "{ rate: 20, duration: 500ms, connections: 1 }";
  const auto ok = "  - { get: /ok, check: { status: 200 } }\n";

  auto without = run(*nginx, "  http: \"2\"\n" + trust(), load, ok, 1);
  EXPECT_EQ(without["requests"]["completed"], 0);
  EXPECT_GT(without["requests"]["sent"].get<uint64_t>(), 0u);
  EXPECT_EQ(h2_count(without, "/requests/errors_by_kind/bad_status"), without["requests"]["sent"].get<uint64_t>())
      << without["requests"];
  EXPECT_EQ(h2_text(without, "/first_errors/bad_status"), "HTTP 400") << without["first_errors"];
  // The handshake went through and h2 was agreed; the one connection served every 400.
  EXPECT_EQ(h2_count(without, "/connections/opened"), 1u) << without["connections"];
  EXPECT_EQ(h2_count(without, "/connections/protocols/h2"), 1u) << without["connections"];
  EXPECT_EQ(without["verdict"], "fail");

  const auto mutual = fmt::format("  http: \"2\"\n  tls: {{ ca_file: \"{}\", cert: \"{}\", key: \"{}\" }}\n",
                                  certs_.ca, certs_.client_cert, certs_.client_key);
  auto with = run(*nginx, mutual, load, ok, 0);
  expect_all_completed_over(with, "h2");
}

// Flows, extraction, checks and redirects behave on h2 as on HTTP/1.1: a JSON body and response
// headers (lower case on the wire) extracted, sent on in a path and a header, checked against
// what nginx saw; a redirect followed on the same connection; a POST body. Open and closed
// models alike.
TEST_F(H2Nginx, FlowsExtractionChecksAndRedirectsWorkOnH2) {
  const auto nginx = https(std::string(kOk) +
                           "location = /login { add_header X-Session hdr-55; add_header Content-Type application/json;\n"
                           "  return 200 '{\"token\": \"tok-7\", \"user\": {\"id\": 42}}'; }\n"
                           "location = /echo { return 200 \"$request_method $request_uri $http_authorization\\n\"; }\n"
                           "location = /old { return 302 /echo?from=old; }\n",
                           // No rotation (nginx's default is a GOAWAY every 1,000 requests): one connection.
                           "keepalive_requests 10000000;\n");
  const auto target = "  http: \"2\"\n" + trust();
  const auto requests = R"(  - { name: moved, get: /old, check: { status: 200, body_contains: "GET /echo?from=old" } }
  - { name: posted, post: /echo, body: "hello", check: { status: 200, body_contains: "POST /echo" } }
flows:
  - name: journey
    steps:
      - name: login
        get: /login
        check: { json: { /user/id: 42 } }
        extract:
          token: /token
          user: /user/id
          session: { header: X-Session }
      - name: use
        get: "/echo?user=${user}&s=${session}"
        headers: { Authorization: "Bearer ${token}" }
        check: { body_contains: "GET /echo?user=42&s=hdr-55 Bearer tok-7" }
)";
  for (const auto* load : {"{ rate: 60, duration: 1s, connections: 1 }", "{ model: vus, vus: 6, duration: 1s, connections: 1 }"}) {
    SCOPED_TRACE(load);
    auto r = run(*nginx, target, load, requests, 0);
    EXPECT_GT(r["requests"]["completed"].get<uint64_t>(), 10u);
    EXPECT_EQ(r["requests"]["errors"], 0) << r["first_errors"];
    json journey;
    for (const auto& f : r["flows"]) {
      if (f["name"] == "journey") journey = f;
    }
    ASSERT_TRUE(journey.is_object()) << r["flows"];
    EXPECT_GT(journey["started"].get<uint64_t>(), 2u) << r["flows"];
    EXPECT_EQ(journey["completed"], journey["started"]) << r["flows"];
    EXPECT_EQ(h2_count(r, "/by_name/moved/requests/redirects"), h2_count(r, "/by_name/moved/requests/completed"));
    EXPECT_GT(h2_count(r, "/by_name/posted/requests/completed"), 0u);
    EXPECT_EQ(r["connections"]["protocols"], json({{"h2", 1}})) << r["connections"];
  }
}

// keepalive_requests 5 (which nginx 1.22 applies to HTTP/2): on a connection's 5th request
// nginx sends GOAWAY NO_ERROR with last_stream_id = that request's stream, answers the streams
// up to it and closes; streams the client opened after it were never processed. nghttp -v:
//   recv GOAWAY frame <length=8, flags=0x00, stream_id=0>
//        (last_stream_id=21, error_code=NO_ERROR(0x00), opaque_data(0)=[])
// A graceful GOAWAY is not an error: the streams above last_stream_id go again on a new
// connection (requests.resent), so every request completes.
TEST_F(H2Nginx, AGracefulGoawayRotatesTheConnectionWithoutErrors) {
  const auto nginx = https(std::string("keepalive_requests 5;\n") + kOk);
  const auto target = "  http: \"2\"\n  max_streams: 4\n" + trust();
  const auto ok = "  - { get: /ok, check: { status: 200 } }\n";

  auto paced = run(*nginx, target, "{ rate: 200, duration: 1s, connections: 1 }", ok, 0);
  EXPECT_EQ(paced["requests"]["scheduled"], 200);
  EXPECT_EQ(paced["requests"]["completed"], 200) << paced["requests"] << paced["first_errors"];
  EXPECT_EQ(paced["requests"]["errors"], 0) << paced["first_errors"];
  // At most 5 requests per connection: the connection was rotated, over and over.
  const auto opened = h2_count(paced, "/connections/opened");
  EXPECT_GE(opened * 5, 200u) << paced["connections"];
  EXPECT_EQ(h2_count(paced, "/connections/protocols/h2"), opened);

  // Closed model, 8 users on one connection of 4 streams: streams are always in flight when
  // the GOAWAY comes, so some were opened above its last_stream_id and must go again.
  auto busy = run(*nginx, target, "{ model: vus, vus: 8, duration: 500ms, connections: 1 }", ok, 0);
  EXPECT_GT(busy["requests"]["completed"].get<uint64_t>(), 5u);
  EXPECT_EQ(busy["requests"]["errors"], 0) << busy["first_errors"];
  EXPECT_GE(h2_count(busy, "/connections/opened") * 5, busy["requests"]["completed"].get<uint64_t>())
      << busy["connections"];
}

// A header larger than large_client_header_buffers allows makes nginx end the connection
// with an error code, its last_stream_id the offending stream (processed, then given up: not
// one a client may send again). nghttp -v:
//   recv GOAWAY frame <length=8, flags=0x00, stream_id=0>
//        (last_stream_id=13, error_code=ENHANCE_YOUR_CALM(0x0b), opaque_data(0)=[])
// and nginx's log: "client sent too large header field while processing HTTP/2 connection".
TEST_F(H2Nginx, AGoawayWithAnErrorCodeEndsTheStreamInFlight) {
  const auto nginx = https(std::string("large_client_header_buffers 2 1k;\n") + kOk);
  auto r = run(*nginx, "  http: \"2\"\n" + trust(), "{ rate: 20, duration: 500ms, connections: 1 }",
               fmt::format("  - {{ get: /ok, headers: {{ X-Big: \"{}\" }} }}\n", std::string(8192, 'x')), 1);
  EXPECT_EQ(r["requests"]["completed"], 0);
  EXPECT_GT(r["requests"]["sent"].get<uint64_t>(), 0u);
  EXPECT_EQ(h2_count(r, "/requests/errors_by_kind/goaway"), r["requests"]["sent"].get<uint64_t>()) << r["requests"];
  EXPECT_NE(h2_text(r, "/first_errors/goaway").find("ENHANCE_YOUR_CALM"), std::string::npos) << r["first_errors"];
  EXPECT_EQ(r["verdict"], "fail");
}

// An upstream that stops short of its Content-Length: nginx has sent the response's HEADERS
// (200) and the body it had when the upstream closes ("upstream prematurely closed connection
// while reading upstream"), so all it can do is reset the stream; the next stream on the same
// connection is answered. nghttp -v:
//   recv (stream_id=13) :status: 200
//   recv DATA frame <length=3, flags=0x00, stream_id=13>
//   recv RST_STREAM frame <length=4, flags=0x00, stream_id=13>
//        (error_code=INTERNAL_ERROR(0x02))
//   recv (stream_id=15) :status: 200
// A 200 whose body never ended is no answer: each is a stream_reset, the code in its message.
TEST_F(H2Nginx, ARstStreamEndsItsStreamAndNotTheConnection) {
  const RawUpstream cut_short("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  const auto nginx =
      https(fmt::format("location = /broken {{ proxy_pass http://127.0.0.1:{}; }}\n{}", cut_short.port(), kOk));
  auto r = run(*nginx, "  http: \"2\"\n" + trust(), "{ rate: 60, duration: 1s, connections: 1 }",
               "  - { name: broken, get: /broken }\n"
               "  - { name: ok, get: /ok, check: { status: 200 } }\n",
               0);
  auto& broken = r["by_name"]["broken"]["requests"];
  auto& ok = r["by_name"]["ok"]["requests"];
  ASSERT_GT(broken["sent"].get<uint64_t>(), 0u) << r["by_name"];
  ASSERT_GT(ok["sent"].get<uint64_t>(), 0u) << r["by_name"];
  EXPECT_EQ(broken["completed"], 0);
  EXPECT_EQ(h2_count(broken, "/errors_by_kind/stream_reset"), broken["sent"].get<uint64_t>()) << broken;
  EXPECT_EQ(h2_count(r, "/requests/errors_by_kind/stream_reset"), broken["sent"].get<uint64_t>()) << r["requests"];
  EXPECT_NE(h2_text(r, "/first_errors/stream_reset").find("RST_STREAM INTERNAL_ERROR (0x2)"), std::string::npos)
      << r["first_errors"];
  EXPECT_EQ(ok["completed"], ok["sent"]);
  EXPECT_EQ(ok["errors"], 0);
  EXPECT_EQ(h2_count(r, "/connections/opened"), 1u) << r["connections"];
}

// return 444 ("close the connection without a response") ends only the stream over HTTP/2.
// nginx closes it as it would a timed-out request, and resets a timed-out stream with
// PROTOCOL_ERROR: the code says nothing about what the client sent. It is the server's
// RST_STREAM all the same, a stream_reset like any other. nghttp -v:
//   recv RST_STREAM frame <length=4, flags=0x00, stream_id=13>
//        (error_code=PROTOCOL_ERROR(0x01))
//   recv (stream_id=15) :status: 200
TEST_F(H2Nginx, Return444ResetsTheStreamWithProtocolError) {
  const auto nginx = https(std::string("location = /drop { return 444; }\n") + kOk);
  auto r = run(*nginx, "  http: \"2\"\n" + trust(), "{ rate: 60, duration: 1s, connections: 1 }",
               "  - { name: drop, get: /drop }\n"
               "  - { name: ok, get: /ok, check: { status: 200 } }\n",
               0);
  auto& drop = r["by_name"]["drop"]["requests"];
  auto& ok = r["by_name"]["ok"]["requests"];
  ASSERT_GT(drop["sent"].get<uint64_t>(), 0u) << r["by_name"];
  ASSERT_GT(ok["sent"].get<uint64_t>(), 0u) << r["by_name"];
  EXPECT_EQ(drop["completed"], 0);
  EXPECT_EQ(h2_count(drop, "/errors_by_kind/stream_reset"), drop["sent"].get<uint64_t>()) << drop;
  EXPECT_NE(h2_text(r, "/first_errors/stream_reset").find("RST_STREAM PROTOCOL_ERROR (0x1)"), std::string::npos)
      << r["first_errors"];
  EXPECT_EQ(ok["completed"], ok["sent"]);
  EXPECT_EQ(ok["errors"], 0);
  EXPECT_EQ(h2_count(r, "/connections/opened"), 1u) << r["connections"];
}

// nginx answers a request whose body it does not read (return, or 413 past
// client_max_body_size) and then resets the stream with NO_ERROR, to stop the upload; it does
// so even when the body had already arrived whole. nghttp -v, a 5-byte POST to a return 200:
//   recv DATA frame <length=3, flags=0x01, stream_id=13>
//   recv RST_STREAM frame <length=4, flags=0x00, stream_id=13>
//        (error_code=NO_ERROR(0x00))
// RFC 9113 8.1: the response, complete before the reset, is the answer; not a stream_reset.
TEST_F(H2Nginx, ARstStreamNoErrorAfterACompleteResponseLeavesTheResponse) {
  const auto nginx = https(std::string("client_max_body_size 1k;\n") + kOk);
  auto r = run(*nginx, "  http: \"2\"\n" + trust(), "{ rate: 40, duration: 500ms, connections: 1 }",
               fmt::format("  - {{ name: small, post: /ok, body: hello, check: {{ status: 200 }} }}\n"
                           "  - {{ name: large, post: /ok, body: \"{}\", check: {{ status: 413 }} }}\n",
                           std::string(4096, 'x')),
               0);
  EXPECT_GT(h2_count(r, "/by_name/small/requests/sent"), 0u) << r["by_name"];
  EXPECT_GT(h2_count(r, "/by_name/large/requests/sent"), 0u) << r["by_name"];
  EXPECT_EQ(r["requests"]["completed"], r["requests"]["scheduled"]) << r["requests"];
  EXPECT_EQ(r["requests"]["errors"], 0) << r["first_errors"];
  EXPECT_EQ(h2_count(r, "/connections/opened"), 1u) << r["connections"];
}

// A location nginx answers late: proxied to a port that takes the connection and never
// answers (SilentPort: nginx's own modules have no delay to offer; echo_sleep comes with
// Debian 12's nginx-light as a dependency, not with every nginx). A stream past its
// timeout is given up alone (RST_STREAM CANCEL from the client): the fast requests beside it
// on the one connection complete, and the connection is never replaced.
TEST_F(H2Nginx, AStreamPastItsTimeoutIsGivenUpWhileItsConnectionGoesOn) {
  const SilentPort silent;
  const auto nginx = https(fmt::format("location = /slow {{\n  proxy_pass http://127.0.0.1:{};\n"
                                       "  proxy_connect_timeout 60s;\n  proxy_read_timeout 60s;\n}}\n{}",
                                       silent.port(), kOk));
  auto r = run(*nginx, "  http: \"2\"\n" + trust(), "{ rate: 40, duration: 1s, connections: 1 }",
               "  - { name: slow, get: /slow, timeout: 200ms }\n"
               "  - { name: fast, get: /ok, timeout: 10s, check: { status: 200 } }\n",
               0);
  auto& slow = r["by_name"]["slow"]["requests"];
  auto& fast = r["by_name"]["fast"]["requests"];
  ASSERT_GT(slow["sent"].get<uint64_t>(), 0u) << r["by_name"];
  ASSERT_GT(fast["sent"].get<uint64_t>(), 0u) << r["by_name"];
  EXPECT_EQ(slow["completed"], 0);
  EXPECT_EQ(h2_count(slow, "/errors_by_kind/timeout"), slow["sent"].get<uint64_t>()) << slow;
  EXPECT_EQ(fast["completed"], fast["sent"]);
  EXPECT_EQ(fast["errors"], 0) << r["first_errors"];
  EXPECT_EQ(h2_count(r, "/connections/opened"), 1u) << r["connections"];
}

}  // namespace
}  // namespace loadgen::testing
