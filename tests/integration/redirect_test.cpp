// Redirects followed for real, through the real binary against test_server: by default, up
// to max_redirects, with the method rewritten as browsers do, and each way a chain cannot go on
// counted under its own error kind.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

class Redirects : public ::testing::Test {
 protected:
  void SetUp() override { server_ = RunningServer::start({test_server_binary(), "--port", "0"}); }

  // Runs `requests` (YAML list items) for 1 s at 40/s; `load_extra` goes into load:.
  json run(const std::string& requests, int exit_code, const std::string& load_extra = "") {
    const auto yaml = fmt::format("name: redirects\ntarget:\n  base_url: {}\nload:\n  rate: 40\n  duration: 1s\n{}"
                                  "requests:\n{}",
                                  server_->base_url(), load_extra, requests);
    const auto file = dir_.write("s.yaml", yaml);
    const auto result = run_loadgen({"run", file, "-o", dir_.file("out")});
    EXPECT_EQ(result.exit_code, exit_code) << yaml << result.stdout_text << result.stderr_text;
    return read_json(dir_.file("out/result.json"));
  }

  std::unique_ptr<RunningServer> server_;
  ScratchDir dir_{"redirects"};
};

const json& figures(const json& r, const std::string& name) { return r["by_name"][name]["requests"]; }

uint64_t count(const json& figures, const std::string& key) { return figures[key].get<uint64_t>(); }

uint64_t errors_of_kind(const json& figures, const std::string& kind) {
  const auto& by_kind = figures["errors_by_kind"];
  return by_kind.contains(kind) ? by_kind[kind].get<uint64_t>() : 0;
}

TEST_F(Redirects, FollowedByDefaultAndTheFinalResponseIsChecked) {
  const auto r = run("  - { name: chain, get: \"/redirect-chain?n=3\", check: { status: 200, body_contains: ok } }\n", 0);
  const auto& f = figures(r, "chain");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(count(f, "completed"), count(f, "sent")) << f;
  EXPECT_EQ(count(f, "errors"), 0u) << f;
  EXPECT_EQ(count(f, "redirects"), 3 * count(f, "sent")) << f;
  EXPECT_EQ(count(r["requests"], "redirects"), 3 * count(f, "sent"));
  // One request for the metrics: one latency sample per chain, not per hop.
  EXPECT_EQ(r["by_name"]["chain"]["latency_ms"]["count"].get<uint64_t>(), count(f, "sent"));
}

TEST_F(Redirects, MaxRedirectsZeroInLoadTurnsFollowingOff) {
  const auto r = run("  - { name: once, get: \"/redirect?to=/ok&code=302\", check: { status: 302 } }\n", 0,
                     "  max_redirects: 0\n");
  const auto& f = figures(r, "once");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(count(f, "completed"), count(f, "sent")) << f;
  EXPECT_EQ(count(f, "redirects"), 0u);
}

TEST_F(Redirects, MaxRedirectsPerRequestOverridesTheLoadDefault) {
  const auto r = run(
      "  - { name: unfollowed, get: \"/redirect?to=/ok&code=301\", max_redirects: 0, check: { status: 301 } }\n"
      "  - { name: followed, get: \"/redirect?to=/ok&code=301\", max_redirects: 1, check: { status: 200 } }\n",
      0, "  max_redirects: 0\n");
  const auto& unfollowed = figures(r, "unfollowed");
  const auto& followed = figures(r, "followed");
  ASSERT_GT(count(unfollowed, "sent"), 5u);
  ASSERT_GT(count(followed, "sent"), 5u);
  EXPECT_EQ(count(unfollowed, "completed"), count(unfollowed, "sent")) << unfollowed;
  EXPECT_EQ(count(unfollowed, "redirects"), 0u);
  EXPECT_EQ(count(followed, "completed"), count(followed, "sent")) << followed;
  EXPECT_EQ(count(followed, "redirects"), count(followed, "sent"));
}

// /echo answers with what it received: the request line, the headers, a blank line, the body.
TEST_F(Redirects, PostBecomesGetOn302And303AndKeepsMethodAndBodyOn307And308) {
  const auto host = fmt::format("127.0.0.1:{}", server_->port());
  const auto get_without_body = fmt::format(R"(GET /echo\nHost: {}\nUser-Agent: loadgen/0.1\n\n)", host);
  const auto post_with_body = fmt::format(
      R"(POST /echo\nHost: {}\nUser-Agent: loadgen/0.1\nContent-Type: text/plain\nContent-Length: 7\n\npayload)", host);
  const auto request = [](int code, const std::string& expected) {
    return fmt::format(
        "  - {{ name: post{0}, post: \"/redirect?to=/echo&code={0}\", body: payload, "
        "headers: {{ Content-Type: text/plain }}, check: {{ status: 200, body_contains: \"{1}\" }} }}\n",
        code, expected);
  };
  const auto r = run(request(302, get_without_body) + request(303, get_without_body) +
                         request(307, post_with_body) + request(308, post_with_body),
                     0);
  for (const std::string name : {"post302", "post303", "post307", "post308"}) {
    const auto& f = figures(r, name);
    ASSERT_GT(count(f, "sent"), 2u) << name;
    EXPECT_EQ(count(f, "completed"), count(f, "sent")) << name << " " << f << r["first_errors"];
    EXPECT_EQ(count(f, "redirects"), count(f, "sent")) << name;
  }
}

TEST_F(Redirects, ALoopIsCountedAsRedirectLoop) {
  const auto r = run("  - { name: loop, get: /redirect-loop }\n", 1);
  const auto& f = figures(r, "loop");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(errors_of_kind(f, "redirect_loop"), count(f, "sent")) << f;
  EXPECT_NE(r["first_errors"]["redirect_loop"].get<std::string>().find("/redirect-loop"), std::string::npos)
      << r["first_errors"];
  // A 3xx that arrived: a response, with a latency.
  EXPECT_EQ(r["by_name"]["loop"]["latency_ms"]["count"].get<uint64_t>(), count(f, "sent"));
}

TEST_F(Redirects, ARedirectWithoutLocationIsCountedAsRedirectNoLocation) {
  const auto r = run("  - { name: nowhere, get: /redirect-nolocation }\n", 1);
  const auto& f = figures(r, "nowhere");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(errors_of_kind(f, "redirect_no_location"), count(f, "sent")) << f;
  EXPECT_NE(r["first_errors"]["redirect_no_location"].get<std::string>().find("without a Location"),
            std::string::npos)
      << r["first_errors"];
}

TEST_F(Redirects, MoreHopsThanTheLimitIsCountedAsRedirectLimit) {
  const auto r = run("  - { name: long, get: \"/redirect-chain?n=5\", max_redirects: 2 }\n", 1);
  const auto& f = figures(r, "long");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(errors_of_kind(f, "redirect_limit"), count(f, "sent")) << f;
  EXPECT_EQ(count(f, "redirects"), 2 * count(f, "sent")) << f;
  EXPECT_NE(r["first_errors"]["redirect_limit"].get<std::string>().find("more than 2 redirects"), std::string::npos)
      << r["first_errors"];
}

// 203.0.113.1 is TEST-NET-3: a connection there would hang until the timeout (connect_timeout).
TEST_F(Redirects, AnotherOriginIsNeverFollowed) {
  const auto r = run("  - { name: away, get: /redirect-away, timeout: 2s }\n", 1);
  const auto& f = figures(r, "away");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(errors_of_kind(f, "redirect_off_origin"), count(f, "sent")) << f;
  EXPECT_EQ(count(f, "redirects"), 0u);
  EXPECT_EQ(r["first_errors"]["redirect_off_origin"], "redirect to another origin: http://203.0.113.1/x");
  EXPECT_LT(r["by_name"]["away"]["latency_ms"]["max"].get<double>(), 1000.0);
}

// Each of the 4 responses (3 redirects, then the final one) waits 60 ms: the request's latency
// runs from its intended start to the final response, so it covers all of them.
TEST_F(Redirects, TheLatencyOfAChainCoversEveryHop) {
  const auto r = run("  - { name: slow, get: \"/redirect-chain?n=3&ms=60\", check: { status: 200 } }\n", 0);
  const auto& f = figures(r, "slow");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(count(f, "completed"), count(f, "sent")) << f << r["first_errors"];
  EXPECT_EQ(count(f, "redirects"), 3 * count(f, "sent"));
  EXPECT_GE(r["by_name"]["slow"]["latency_ms"]["min"].get<double>(), 239.0);
  EXPECT_GE(r["by_name"]["slow"]["service_latency_ms"]["min"].get<double>(), 239.0);
}

// The request's timeout is the whole chain's: 4 responses of 100 ms each do not fit in 250 ms,
// though each alone would.
TEST_F(Redirects, TheTimeoutCoversTheWholeChain) {
  const auto r = run("  - { name: late, get: \"/redirect-chain?n=3&ms=100\", timeout: 250ms }\n", 1);
  const auto& f = figures(r, "late");
  ASSERT_GT(count(f, "sent"), 20u);
  EXPECT_EQ(errors_of_kind(f, "timeout"), count(f, "sent")) << f;
  EXPECT_GE(r["by_name"]["late"]["service_latency_ms"]["min"].get<double>(), 249.0);
  EXPECT_LT(r["by_name"]["late"]["service_latency_ms"]["max"].get<double>(), 350.0);
}

// A flow can still read the Location of a redirect it does not follow, and send it on; a step
// that follows counts its hops under its own name.
TEST_F(Redirects, FlowStepsFollowOrNotAndAnUnfollowedLocationCanBeExtracted) {
  const auto yaml = fmt::format(R"(name: redirect-flow
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 1s }}
flows:
  - name: journey
    steps:
      - name: unfollowed
        get: "/redirect?to=/echo%3Ffrom%3Dlocation&code=303"
        max_redirects: 0
        check: {{ status: 303 }}
        extract: {{ next: {{ header: Location }} }}
      - name: sent_on
        get: "${{next}}"
        check: {{ status: 200, body_contains: "GET /echo?from=location" }}
      - name: followed
        get: "/redirect-chain?n=2"
        check: {{ status: 200 }}
)",
                                server_->base_url());
  const auto file = dir_.write("flow.yaml", yaml);
  const auto result = run_loadgen({"run", file, "-o", dir_.file("out")});
  ASSERT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
  const auto r = read_json(dir_.file("out/result.json"));
  const auto& journey = figures(r, "journey");
  ASSERT_GT(count(journey, "sent"), 10u);
  EXPECT_EQ(count(journey, "completed"), count(journey, "sent")) << journey << r["first_errors"];
  EXPECT_EQ(count(figures(r, "unfollowed"), "redirects"), 0u);
  EXPECT_EQ(count(figures(r, "followed"), "redirects"), 2 * count(figures(r, "followed"), "sent"));
}

// The closed model sends on each user's own connection: redirects follow there too.
TEST_F(Redirects, VirtualUsersFollowToo) {
  const auto yaml = fmt::format(
      "name: redirect-vus\ntarget: {{ base_url: \"{}\" }}\nload: {{ model: vus, vus: 2, duration: 1s, think: 20ms }}\n"
      "requests:\n  - {{ name: chain, get: \"/redirect-chain?n=2\", check: {{ status: 200 }} }}\n",
      server_->base_url());
  const auto file = dir_.write("vus.yaml", yaml);
  const auto result = run_loadgen({"run", file, "-o", dir_.file("out")});
  ASSERT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
  const auto r = read_json(dir_.file("out/result.json"));
  const auto& f = figures(r, "chain");
  ASSERT_GT(count(f, "sent"), 10u);
  EXPECT_EQ(count(f, "completed"), count(f, "sent")) << f;
  EXPECT_EQ(count(f, "redirects"), 2 * count(f, "sent"));
}

}  // namespace
}  // namespace loadgen::testing
