#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using testing::errors_of;
using testing::load;
using testing::loaded;
using testing::test_options;
using Errors = std::vector<std::string>;

std::string scenario_with_path(std::string_view path) {
  return std::string(R"(name: v
target: { base_url: "http://h" }
load: { rate: 1, duration: 1s }
requests: [ { get: ")") +
         std::string(path) + "\" } ]\n";
}

TEST(Variables, StaticOnesAreBoundAtLoad) {
  const auto s =
      loaded(scenario_with_path("/${tmp}/${bin}/${env:HOST}/${env:NOPE:-d}/${env:EMPTY:-e}/${who}"),
             test_options({{"who", "me"}}));
  EXPECT_EQ(s.requests[0].path.literal_text(), "//tmp/lg//opt/lg/bin/10.0.0.1/d/e/me");
}

TEST(Variables, ShardAndShardsSayWhichShareThisProcessRuns) {
  EXPECT_EQ(loaded(scenario_with_path("/u/${shard}-of-${shards}")).requests[0].path.literal_text(), "/u/0-of-1")
      << "an unsharded run is shard 0 of 1";
  auto options = test_options();
  options.shard_index = 2;
  options.shard_count = 4;
  EXPECT_EQ(loaded(scenario_with_path("/u/${shard}-of-${shards}"), options).requests[0].path.literal_text(),
            "/u/2-of-4");
}

TEST(Variables, DynamicOnesStayForTheEngine) {
  const auto s = loaded(scenario_with_path("/a/${seq}/${uuid}?vu=${vu}&t=${now_ms}"));
  EXPECT_EQ(s.requests[0].path.variables(),
            (std::vector<std::string>{"seq", "uuid", "vu", "now_ms"}));
}

TEST(Variables, DollarDollarBraceIsLiteral) {
  const auto s = loaded(scenario_with_path("/a/$${seq}"));
  EXPECT_TRUE(s.requests[0].path.is_literal());
  EXPECT_EQ(s.requests[0].path.literal_text(), "/a/${seq}");
}

TEST(Variables, StaticValuesWorkInTypedFields) {
  const auto s = loaded(R"(name: v
target: { base_url: "http://h" }
load: { rate: "${env:RATE:-12}", duration: "${len}" }
requests: [ { get: / } ]
)",
                        test_options({{"len", "3s"}}));
  EXPECT_EQ(s.load.stages[0].to, 12);
  EXPECT_EQ(s.load.stages[0].duration, std::chrono::seconds(3));
}

TEST(Variables, UnknownAndMisplacedOnesAreErrors) {
  EXPECT_EQ(
      errors_of(load(scenario_with_path("/${nope}"))),
      Errors{"s.yaml:4:22: unknown variable ${nope} (use ${env:NAME}, ${tmp}, ${bin}, ${shard}, ${shards}, a "
             "--set key, or ${port}, ${uuid}, ${seq}, ${vu}, ${now_ms} where they apply)"});
  // The document does not use ${users}, so the --set also adds a key nobody knows.
  EXPECT_EQ(errors_of(load(scenario_with_path("/${usres}"), test_options({{"users", "3"}}))),
            (Errors{"--set users: unknown key 'users' at the top level",
                    "s.yaml:4:22: unknown variable ${usres} (did you mean ${users}?)"}));
  EXPECT_EQ(errors_of(load(scenario_with_path("/${seq"))),
            Errors{"s.yaml:4:20: get: '${' at column 2 is not closed by '}'"});
  EXPECT_EQ(errors_of(load(R"(name: "${uuid}"
target: { base_url: "http://h" }
load: { rate: 1, duration: 1s }
requests: [ { get: / } ]
)")),
            Errors{"s.yaml:1:8: ${uuid} is only filled in request paths, headers and bodies"});
}

TEST(Variables, TmpAndBinNeedAValue) {
  LoadOptions options = test_options();
  options.tmp_dir.clear();
  EXPECT_EQ(errors_of(load(scenario_with_path("/${tmp}"), options)),
            Errors{"s.yaml:4:22: ${tmp} has no value here (no temporary directory was given)"});
}

TEST(Variables, HeadersAndJsonBodiesKeepRequestVariables) {
  const auto s = loaded(R"(name: v
target: { base_url: "http://h" }
load: { rate: 1, duration: 1s }
requests:
  - post: /jobs
    headers: { X-Request: "${uuid}", X-Host: "${env:HOST}" }
    json: { id: "${seq}", host: "${env:HOST}", quote: "say \"${who}\"" }
)",
                        test_options({{"who", "a\"b"}}));
  const auto& r = s.requests[0];
  EXPECT_EQ(r.headers[0].value.text(), "${uuid}");
  EXPECT_EQ(r.headers[1].value.literal_text(), "10.0.0.1");
  // Static values are escaped as JSON strings before the body becomes a template.
  EXPECT_EQ(r.body->text(), R"({"host":"10.0.0.1","id":"${seq}","quote":"say \"a\"b\""})");
}

}  // namespace
}  // namespace loadgen::scenario
