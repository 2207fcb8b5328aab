// loadgen's HTTP/2 client against h2_test_server (tests/tools): a server of our own that resets
// streams, sends GOAWAYs graceful and not, breaks flow control and framing, answers late and
// limits its streams, each on demand by path, and counts what it saw (streams at once, streams
// refused or left unprocessed, streams the client reset) for the tests to compare with what
// loadgen reported. Each way a stream or a connection ends has its kind, its first_errors
// message, and its consequence for the connection (goes on, or is replaced).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

std::string h2_test_server_binary() { return H2_TEST_SERVER_BINARY; }

// A count in a result (or the server's counters), 0 where the key is absent (an error kind
// that did not occur).
uint64_t n_at(const json& r, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return r.contains(p) ? r.at(p).get<uint64_t>() : 0;
}
double ms_at(const json& r, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return r.contains(p) ? r.at(p).get<double>() : -1;
}
std::string text_at(const json& r, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return r.contains(p) ? r.at(p).get<std::string>() : "";
}

// The server's counters, asked over HTTP/1.1 (it answers GET /stats on a connection that does
// not open with the HTTP/2 preface).
json server_stats(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  const auto body = reply.find("\r\n\r\n");
  return body == std::string::npos ? json() : json::parse(reply.substr(body + 4), nullptr, false);
}

// The counters once the server has seen every connection of the run close (loadgen closes
// its own as it ends; the server notices a moment later).
json settled_stats(const RunningServer& server) {
  json stats;
  for (int i = 0; i < 100; ++i) {
    stats = server_stats(server.port());
    if (stats.is_object() && stats.value("connections_open", uint64_t{1}) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return stats;
}

class H2Errors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = std::make_unique<ScratchDir>("h2-errors"); }

  static std::unique_ptr<RunningServer> server(std::vector<std::string> args = {}) {
    std::vector<std::string> argv{h2_test_server_binary(), "--port", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunningServer::start(std::move(argv));
  }

  // One short run over h2c: `target` is the lines under target: after base_url and http,
  // `load` the load: mapping, `requests` the list's lines. Returns result.json.
  // A violation ends its connection: one connection, then one more after each (but perhaps the
  // last), as many as the server saw.
  void expect_a_connection_per_violation(json r, const RunningServer& s) {
    const auto bad = n_at(r, "/by_name/bad/requests/sent");
    const auto opened = n_at(r, "/connections/opened");
    EXPECT_GT(opened, 1u) << r["connections"];
    EXPECT_LE(opened, bad + 1) << r["connections"];
    EXPECT_EQ(n_at(settled_stats(s), "/connections"), opened);
  }

  json run(const RunningServer& s, const std::string& target, const std::string& load, const std::string& requests,
           int expected_exit = 0) {
    static int n = 0;
    const auto name = fmt::format("run{}", ++n);
    const auto yaml = fmt::format("name: h2-errors\ntarget:\n  base_url: {}\n  http: \"2\"\n{}load: {}\nrequests:\n{}",
                                  s.base_url(), target, load, requests);
    const auto file = dir_->write(name + ".yaml", yaml);
    const auto result = run_loadgen({"run", file, "-q", "-o", dir_->file(name), "-t", "1"});
    EXPECT_EQ(result.exit_code, expected_exit) << yaml << "\n" << result.stdout_text << result.stderr_text;
    return read_json(dir_->file(name + "/result.json"));
  }

  std::unique_ptr<ScratchDir> dir_;
};

// The requests of `name` all completed, none failed.
void expect_all_completed(json r, const std::string& name) {
  auto& n = r["by_name"][name]["requests"];
  EXPECT_GT(n["sent"].get<uint64_t>(), 0u) << name << ": " << r["by_name"];
  EXPECT_EQ(n["completed"], n["sent"]) << name << ": " << n << r["first_errors"];
  EXPECT_EQ(n["errors"], 0) << name << ": " << r["first_errors"];
}

// The requests of `name` completed, but for any in flight on a connection that ended under
// them, lost with it as `kind` (requests sent in a burst after a pause of the machine may share
// the connection a violation ends): the run went on over new connections.
void expect_completed_but_for_lost(json r, const std::string& name, const std::string& kind) {
  auto& n = r["by_name"][name]["requests"];
  const auto sent = n["sent"].get<uint64_t>();
  const auto completed = n["completed"].get<uint64_t>();
  EXPECT_GT(sent, 0u) << name << ": " << r["by_name"];
  EXPECT_EQ(completed + n_at(n, "/errors_by_kind/" + kind), sent) << name << ": " << n << r["first_errors"];
  EXPECT_GE(completed * 2, sent) << name << ": " << n;
}

// Every request of `name` failed, all of them as `kind`.
void expect_all_failed_as(json r, const std::string& name, const std::string& kind) {
  auto& n = r["by_name"][name]["requests"];
  const auto sent = n["sent"].get<uint64_t>();
  EXPECT_GT(sent, 0u) << name << ": " << r["by_name"];
  EXPECT_EQ(n["completed"], 0) << name << ": " << n;
  EXPECT_EQ(n_at(n, "/errors_by_kind/" + kind), sent) << name << ": " << n << r["first_errors"];
}

// RST_STREAM INTERNAL_ERROR on every /reset/2 stream: each is a stream_reset naming the code,
// and the one connection carries the /ok streams beside them to the end.
TEST_F(H2Errors, ARstStreamEndsOnlyItsStream) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 100, duration: 1s, connections: 1 }",
               "  - { name: ok, get: /ok, check: { status: 200 } }\n"
               "  - { name: reset, get: /reset/2 }\n");
  EXPECT_EQ(r["requests"]["sent"], 100);
  expect_all_completed(r, "ok");
  expect_all_failed_as(r, "reset", "stream_reset");
  EXPECT_EQ(n_at(r, "/requests/errors_by_kind/stream_reset"), n_at(r, "/by_name/reset/requests/sent")) << r["requests"];
  EXPECT_EQ(r["requests"]["errors"], r["requests"]["errors_by_kind"]["stream_reset"]) << r["requests"];
  EXPECT_EQ(text_at(r, "/first_errors/stream_reset"), "the server reset the stream: RST_STREAM INTERNAL_ERROR (0x2)")
      << r["first_errors"];
  EXPECT_EQ(n_at(r, "/connections/opened"), 1u) << r["connections"];
  EXPECT_EQ(n_at(r, "/connections/protocols/h2c"), 1u) << r["connections"];
  EXPECT_EQ(n_at(r, "/requests/resent"), 0u);
  const auto stats = settled_stats(*s);
  EXPECT_EQ(n_at(stats, "/connections"), 1u) << stats;
  EXPECT_EQ(n_at(stats, "/requests"), 100u) << stats;  // each sent once
}

// Resets are counted by their code as well as by kind: a run whose server resets with two
// codes says how many of each.
TEST_F(H2Errors, ResetsAreCountedByTheirCode) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 60, duration: 500ms, connections: 1 }",
               "  - { name: internal, get: /reset/2 }\n"
               "  - { name: calm, get: /reset/11 }\n"
               "  - { name: odd, get: /reset/99 }\n",
               1);  // nothing succeeded
  const auto internal = n_at(r, "/by_name/internal/requests/sent");
  const auto calm = n_at(r, "/by_name/calm/requests/sent");
  const auto odd = n_at(r, "/by_name/odd/requests/sent");
  ASSERT_GT(internal * calm * odd, 0u) << r["by_name"];
  EXPECT_EQ(n_at(r, "/requests/errors_by_kind/stream_reset"), internal + calm + odd) << r["requests"];
  EXPECT_EQ(r["h2_error_codes"], json({{"stream_reset", {{"INTERNAL_ERROR", internal}, {"ENHANCE_YOUR_CALM", calm},
                                                         {"other", odd}}}}))
      << r["h2_error_codes"];
}

// RST_STREAM FLOW_CONTROL_ERROR from the server: flow_control, not stream_reset; the
// connection goes on.
TEST_F(H2Errors, AnRstStreamFlowControlErrorIsFlowControl) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 40, duration: 500ms, connections: 1 }",
               "  - { name: ok, get: /ok, check: { status: 200 } }\n"
               "  - { name: bad, get: /rst-flow }\n");
  expect_all_completed(r, "ok");
  expect_all_failed_as(r, "bad", "flow_control");
  EXPECT_EQ(r["requests"]["errors"], n_at(r, "/by_name/bad/requests/sent")) << r["requests"];
  EXPECT_EQ(text_at(r, "/first_errors/flow_control"),
            "the server reset the stream: RST_STREAM FLOW_CONTROL_ERROR (0x3)")
      << r["first_errors"];
  EXPECT_EQ(n_at(r, "/connections/opened"), 1u) << r["connections"];
}

// A WINDOW_UPDATE that would take the client's send window of one stream past 2^31-1 (RFC 9113,
// 6.9.1): a stream error. loadgen (nghttp2) resets that stream with FLOW_CONTROL_ERROR, which
// the server sees, and the connection carries the /ok streams on.
TEST_F(H2Errors, AStreamFlowControlViolationResetsThatStreamOnly) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 40, duration: 500ms, connections: 1 }",
               "  - { name: ok, get: /ok, check: { status: 200 } }\n"
               "  - { name: bad, get: /flow-violation }\n");
  expect_all_completed(r, "ok");
  expect_all_failed_as(r, "bad", "flow_control");
  EXPECT_EQ(r["requests"]["errors"], n_at(r, "/by_name/bad/requests/sent")) << r["requests"];
  EXPECT_EQ(text_at(r, "/first_errors/flow_control"), "the stream ended with FLOW_CONTROL_ERROR (0x3)")
      << r["first_errors"];
  EXPECT_EQ(n_at(r, "/connections/opened"), 1u) << r["connections"];
  const auto stats = settled_stats(*s);
  EXPECT_EQ(n_at(stats, "/cancelled_streams"), n_at(r, "/by_name/bad/requests/sent")) << stats;
}

// The same on stream 0 (the connection's window): a connection error. loadgen ends the
// connection (GOAWAY FLOW_CONTROL_ERROR), its stream is flow_control, and the next request
// opens a new connection.
TEST_F(H2Errors, AConnectionFlowControlViolationEndsTheConnection) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 20, duration: 1s, connections: 1 }",
               "  - { name: ok, get: /ok, check: { status: 200 } }\n"
               "  - { name: bad, get: /window-overflow }\n");
  expect_completed_but_for_lost(r, "ok", "flow_control");
  expect_all_failed_as(r, "bad", "flow_control");
  EXPECT_EQ(r["requests"]["errors"], r["requests"]["errors_by_kind"]["flow_control"]) << r["requests"];
  EXPECT_NE(text_at(r, "/first_errors/flow_control").find("Flow control"), std::string::npos) << r["first_errors"];
  expect_a_connection_per_violation(r, *s);
}

// A malformed frame (DATA on stream 0; a SETTINGS frame of 5 bytes): loadgen ends the
// connection with GOAWAY PROTOCOL_ERROR (FRAME_SIZE_ERROR), the stream in flight is protocol,
// and the run goes on over new connections.
TEST_F(H2Errors, AProtocolViolationEndsTheConnectionAndTheRunGoesOn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/protocol-violation", "the server broke HTTP/2; loadgen ended the connection with GOAWAY PROTOCOL_ERROR (0x1)"},
      {"/frame-size-violation",
       "the server broke HTTP/2; loadgen ended the connection with GOAWAY FRAME_SIZE_ERROR (0x6)"},
  };
  for (const auto& [path, message] : cases) {
    SCOPED_TRACE(path);
    const auto s = server();
    auto r = run(*s, "", "{ rate: 20, duration: 1s, connections: 1 }",
                 fmt::format("  - {{ name: ok, get: /ok, check: {{ status: 200 }} }}\n"
                             "  - {{ name: bad, get: {} }}\n",
                             path));
    expect_completed_but_for_lost(r, "ok", "protocol");
    expect_all_failed_as(r, "bad", "protocol");
    EXPECT_EQ(r["requests"]["errors"], r["requests"]["errors_by_kind"]["protocol"]) << r["requests"];
    EXPECT_EQ(text_at(r, "/first_errors/protocol"), message) << r["first_errors"];
    expect_a_connection_per_violation(r, *s);
  }
}

// A stream past its request's timeout is given up alone: loadgen resets it (CANCEL, which the
// server sees) and the /ok streams beside it complete on the same connection. The run ends
// 200 ms after its last slow request, not 1.5 s. The time the slow requests waited was spent
// on their open streams: service time, not send lag (no stream was ever waited for: the
// server allows 100 at once).
TEST_F(H2Errors, AStreamPastItsTimeoutIsResetWhileItsConnectionGoesOn) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 20, duration: 1s, connections: 1 }",
               "  - { name: slow, get: /slow/1500, timeout: 200ms }\n"
               "  - { name: ok, get: /ok, check: { status: 200 } }\n");
  expect_all_completed(r, "ok");
  expect_all_failed_as(r, "slow", "timeout");
  const auto slow = n_at(r, "/by_name/slow/requests/sent");
  EXPECT_EQ(r["requests"]["errors"], slow) << r["requests"];
  EXPECT_NE(text_at(r, "/first_errors/timeout").find("CANCEL"), std::string::npos) << r["first_errors"];
  EXPECT_EQ(n_at(r, "/connections/opened"), 1u) << r["connections"];
  EXPECT_LT(r["duration_s"].get<double>(), 2.0);  // 1 s of load and one timeout; 2.5 s if it waited
  const auto stats = settled_stats(*s);
  EXPECT_EQ(n_at(stats, "/connections"), 1u) << stats;
  EXPECT_EQ(n_at(stats, "/by_path/~1slow~11500"), slow) << stats;  // none sent again
  // The last CANCEL may still be on its way when loadgen closes the connection at the end.
  EXPECT_GE(n_at(stats, "/cancelled_streams") + 1, slow) << stats;
  // Each slow request was given up 200 ms after its stream opened, which was at once.
  EXPECT_GE(ms_at(r, "/by_name/slow/service_latency_ms/min"), 190.0) << r["by_name"]["slow"]["service_latency_ms"];
  EXPECT_LT(ms_at(r, "/send_lag_ms/max"), 100.0) << r["send_lag_ms"];
}

// The server allows 2 streams at once, 8 users share one connection: it never processes more
// than 2 at once, and every request completes. Streams opened before the server's SETTINGS
// arrived (loadgen assumes 100 until then) may be refused (RST_STREAM REFUSED_STREAM, which
// nghttp2 sends for streams over a limit the client has not acknowledged yet): a refused
// stream was not processed, and is sent again (RFC 9113, 8.7), so resent <= refused.
TEST_F(H2Errors, TheServersStreamLimitIsKept) {
  const auto s = server({"--max-streams", "2"});
  auto r = run(*s, "", "{ model: vus, vus: 8, duration: 1s, connections: 1 }", "  - { name: slow, get: /slow/50 }\n");
  expect_all_completed(r, "slow");
  EXPECT_EQ(n_at(r, "/connections/opened"), 1u) << r["connections"];
  const auto stats = settled_stats(*s);
  EXPECT_EQ(n_at(stats, "/max_concurrent_streams"), 2u) << stats;
  EXPECT_LE(n_at(r, "/requests/resent"), n_at(stats, "/refused_streams")) << stats << r["requests"];
  EXPECT_EQ(n_at(stats, "/requests"), n_at(r, "/requests/completed")) << stats;
}

// target.max_streams: 1 caps the streams at one even where the server allows 100.
TEST_F(H2Errors, TargetMaxStreamsCapsTheStreams) {
  const auto s = server();
  auto r = run(*s, "  max_streams: 1\n", "{ model: vus, vus: 8, duration: 1s, connections: 1 }",
               "  - { name: slow, get: /slow/50 }\n");
  expect_all_completed(r, "slow");
  EXPECT_EQ(n_at(r, "/connections/opened"), 1u) << r["connections"];
  // One stream at a time for 1 s of 50 ms answers: about 20.
  EXPECT_GE(n_at(r, "/requests/completed"), 5u);
  EXPECT_LE(n_at(r, "/requests/completed"), 30u);
  const auto stats = settled_stats(*s);
  EXPECT_EQ(n_at(stats, "/max_concurrent_streams"), 1u) << stats;
}

// 100/s planned, one connection of one stream, 30 ms answers: about 33/s go out, the rest wait
// for the stream. That wait is send lag, and part of the latency from the intended time.
TEST_F(H2Errors, WaitingForAStreamIsSendLag) {
  const auto s = server({"--max-streams", "1"});
  auto r = run(*s, "", "{ rate: 100, duration: 1s, connections: 1 }", "  - { name: slow, get: /slow/30 }\n");
  expect_all_completed(r, "slow");
  EXPECT_EQ(r["requests"]["completed"], 100);
  // The plan's second: far fewer answers than planned. (throughput.achieved_rps counts every
  // response over the planned second however long the queue took to drain: 100/s here.)
  ASSERT_FALSE(r["timeline"].empty());
  const auto& first = r["timeline"][0];
  EXPECT_LT(first["rps"].get<double>(), 0.6 * first["target"].get<double>()) << first;
  EXPECT_GT(r["duration_s"].get<double>(), 2.0);  // the queue took 2 s more to drain
  EXPECT_GT(ms_at(r, "/send_lag_ms/p99"), 100.0) << r["send_lag_ms"];
  EXPECT_LT(ms_at(r, "/service_latency_ms/p99"), 100.0) << r["service_latency_ms"];
  EXPECT_GT(ms_at(r, "/latency_ms/p99"), ms_at(r, "/service_latency_ms/p99") + 100.0)
      << r["latency_ms"] << r["service_latency_ms"];
  const auto stats = settled_stats(*s);
  EXPECT_EQ(n_at(stats, "/max_concurrent_streams"), 1u) << stats;
}

// The server's GOAWAY NO_ERROR after 10 requests a connection: nothing is lost. Paced /ok
// requests: exactly 10 connections of 10. Then 8 users on 4 streams of 50 ms answers: streams
// are open above last_stream_id when the GOAWAY comes (the server counts them); those
// requests go again on the next connection, and requests.resent counts them (only them: a
// request that was still waiting for a stream was sent once).
TEST_F(H2Errors, AGracefulGoawayRotatesTheConnectionWithoutErrors) {
  {
    const auto s = server({"--goaway-after", "10"});
    auto r = run(*s, "  max_streams: 4\n", "{ rate: 100, duration: 1s, connections: 1 }",
                 "  - { name: ok, get: /ok, check: { status: 200 } }\n");
    EXPECT_EQ(r["requests"]["scheduled"], 100);
    expect_all_completed(r, "ok");
    EXPECT_EQ(r["requests"]["completed"], 100);
    EXPECT_EQ(n_at(r, "/connections/opened"), 10u) << r["connections"];
    const auto stats = settled_stats(*s);
    EXPECT_EQ(n_at(stats, "/connections"), 10u) << stats;
    EXPECT_EQ(n_at(stats, "/requests"), 100u) << stats;
    EXPECT_LE(n_at(r, "/requests/resent"), n_at(stats, "/unprocessed_streams")) << stats << r["requests"];
  }
  {
    const auto s = server({"--goaway-after", "10"});
    auto r = run(*s, "  max_streams: 4\n", "{ model: vus, vus: 8, duration: 500ms, connections: 1 }",
                 "  - { name: slow, get: /slow/20, check: { status: 200 } }\n");
    expect_all_completed(r, "slow");
    const auto stats = settled_stats(*s);
    const auto completed = n_at(r, "/requests/completed");
    EXPECT_EQ(n_at(stats, "/requests"), completed) << stats;
    EXPECT_EQ(n_at(stats, "/connections"), n_at(r, "/connections/opened")) << stats << r["connections"];
    EXPECT_GE(n_at(r, "/connections/opened") * 10, completed) << r["connections"];
    EXPECT_GT(n_at(stats, "/unprocessed_streams"), 0u) << stats;
    EXPECT_GT(n_at(r, "/requests/resent"), 0u) << r["requests"];
    EXPECT_LE(n_at(r, "/requests/resent"), n_at(stats, "/unprocessed_streams")) << stats << r["requests"];
  }
}

// GOAWAY INTERNAL_ERROR with last_stream_id = the stream that asked for it: processed, then
// lost; goaway, never sent again. Beside it, /slow streams (below it) in flight on the same
// connection are lost with it: goaway too.
TEST_F(H2Errors, AGoawayWithAnErrorCodeEndsTheStreamsInFlight) {
  {
    const auto s = server();
    auto r = run(*s, "", "{ rate: 20, duration: 1s, connections: 1 }",
                 "  - { name: ok, get: /ok, check: { status: 200 } }\n"
                 "  - { name: bad, get: /goaway-error }\n");
    expect_completed_but_for_lost(r, "ok", "goaway");
    expect_all_failed_as(r, "bad", "goaway");
    const auto bad = n_at(r, "/by_name/bad/requests/sent");
    EXPECT_EQ(r["requests"]["errors"], r["requests"]["errors_by_kind"]["goaway"]) << r["requests"];
    EXPECT_TRUE(text_at(r, "/first_errors/goaway").starts_with("the server sent GOAWAY INTERNAL_ERROR (0x2) (last stream "))
        << r["first_errors"];
    const auto stats = settled_stats(*s);
    // Each processed once: none was sent again (only a stream above last_stream_id would be).
    EXPECT_EQ(n_at(stats, "/by_path/~1goaway-error"), bad) << stats;
    EXPECT_LE(n_at(r, "/requests/resent"), n_at(stats, "/unprocessed_streams")) << stats << r["requests"];
  }
  {
    const auto s = server();
    auto r = run(*s, "", "{ rate: 40, duration: 1s, connections: 1 }",
                 "  - { name: slow, get: /slow/300, check: { status: 200 } }\n"
                 "  - { name: bad, get: /goaway-error }\n");
    expect_all_failed_as(r, "bad", "goaway");
    auto& slow = r["by_name"]["slow"]["requests"];
    // A slow request completed, or was lost to a GOAWAY: nothing else.
    EXPECT_EQ(slow["completed"].get<uint64_t>() + n_at(slow, "/errors_by_kind/goaway"), slow["sent"].get<uint64_t>())
        << slow;
    EXPECT_GT(n_at(slow, "/errors_by_kind/goaway"), 0u) << slow;
    EXPECT_EQ(r["requests"]["errors"], r["requests"]["errors_by_kind"]["goaway"]) << r["requests"];
  }
}

// GOAWAY INTERNAL_ERROR with last_stream_id below the stream: never processed, so loadgen
// sends it again, on a new connection each time (the server refuses it every time), until
// its timeout: goaway, and resent.
TEST_F(H2Errors, AGoawayRefusingTheStreamSendsItAgain) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 4, duration: 500ms, connections: 1 }",
               "  - { name: refused, get: /goaway-error/refuse, timeout: 1s }\n", 1);
  expect_all_failed_as(r, "refused", "goaway");
  const auto sent = n_at(r, "/requests/sent");
  EXPECT_EQ(n_at(r, "/requests/resent"), sent) << r["requests"];
  EXPECT_EQ(text_at(r, "/first_errors/goaway"), "the server sent GOAWAY INTERNAL_ERROR (0x2) (last stream 0)")
      << r["first_errors"];
  const auto stats = settled_stats(*s);
  EXPECT_GT(n_at(stats, "/by_path/~1goaway-error~1refuse"), sent) << stats;
}

// A connection that goes on after a stream error (a stream's flow-control violation: only that
// stream is reset), then is closed by the server under the next stream: that stream is a reset
// ("the server closed the connection"), as on a fresh connection; the earlier stream error
// says nothing about it. Each connection carries one violation, then the close (and whatever
// a burst sent with it, lost with it: a reset too).
TEST_F(H2Errors, AConnectionClosedAfterAStreamErrorIsAReset) {
  const auto s = server();
  auto r = run(*s, "", "{ rate: 20, duration: 500ms, connections: 1 }",
               "  - { name: pair, get: /flow-violation-then-close }\n", 1);
  const auto sent = n_at(r, "/requests/sent");
  const auto opened = n_at(r, "/connections/opened");
  ASSERT_GT(sent, 1u);
  EXPECT_EQ(n_at(r, "/requests/errors_by_kind/flow_control"), opened) << r["requests"] << r["first_errors"];
  EXPECT_EQ(n_at(r, "/requests/errors_by_kind/reset"), sent - opened) << r["requests"] << r["first_errors"];
  EXPECT_EQ(text_at(r, "/first_errors/reset"), "the server closed the connection") << r["first_errors"];
  EXPECT_GE(opened * 2, sent - 1) << r["connections"];  // one at a time: about two requests a connection
}

}  // namespace
}  // namespace loadgen::testing
