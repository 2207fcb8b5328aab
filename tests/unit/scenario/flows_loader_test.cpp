#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using testing::errors_of;
using testing::load;
using testing::loaded;
using Errors = std::vector<std::string>;

constexpr std::string_view kHead = R"(name: f
target: { base_url: "http://h" }
load: { rate: 10, duration: 5s }
)";

std::string with(std::string_view body) { return std::string(kHead) + std::string(body); }

// A feed file in a fresh directory, removed at the end.
class FeedFile {
 public:
  FeedFile(const std::string& name, const std::string& content)
      : dir_(std::filesystem::temp_directory_path() / ("lg-feeds-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / name).string();
    std::ofstream(path_) << content;
  }
  ~FeedFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

TEST(FlowsLoader, EveryStepKeyReachesTheModel) {
  const auto s = loaded(with(R"(flows:
  - name: job_roundtrip
    weight: 3
    vars: { cursor: "", empty: }
    steps:
      - name: submit
        post: /api/jobs
        headers: { Idempotency-Key: "${uuid}" }
        json: { kind: resize, at: "${now_ms}" }
        extract:
          id: /id
          loc: { header: Location }
          token: { regex: 'token=(\w+)', default: none }
        think: 100ms
      - name: poll
        get: "/api/jobs/${id}?c=${cursor}&vu=${vu}&s=${seq}&t=${token}"
        until: { json: { /status: [running, done] }, status: [200, 202], poll: 50ms, timeout: 3s }
        since_start: queue_to_start
        think: { uniform: [10ms, 20ms] }
      - name: pages
        get: "${loc}?cursor=${cursor}"
        extract: { cursor: /next_cursor }
        repeat_while: cursor
        max_repeats: 50
        think: { exponential: 5ms }
slo:
  - job_roundtrip.p95 < 5s
  - queue_to_start.p95 < 5s
  - pages.p99 < 100ms
)"));
  EXPECT_TRUE(s.requests.empty());
  EXPECT_TRUE(s.has_load());
  ASSERT_EQ(s.flows.size(), 1u);
  const auto& f = s.flows[0];
  EXPECT_EQ(f.name, "job_roundtrip");
  EXPECT_EQ(f.weight, 3.0);
  EXPECT_EQ(f.vars, (std::vector<std::pair<std::string, std::string>>{{"cursor", ""}, {"empty", ""}}));
  ASSERT_EQ(f.steps.size(), 3u);
  const auto& submit = f.steps[0];
  EXPECT_EQ(submit.request.name, "submit");
  EXPECT_EQ(submit.request.method, "POST");
  ASSERT_EQ(submit.extract.size(), 3u);
  EXPECT_EQ(submit.extract[0].from, Extract::From::kJson);
  EXPECT_EQ(submit.extract[0].source, "/id");
  EXPECT_EQ(submit.extract[1].from, Extract::From::kHeader);
  EXPECT_EQ(submit.extract[1].source, "Location");
  EXPECT_EQ(submit.extract[2].from, Extract::From::kRegex);
  EXPECT_EQ(submit.extract[2].fallback, "none");
  EXPECT_EQ(submit.think.kind, Think::Kind::kFixed);
  EXPECT_EQ(submit.think.a, std::chrono::milliseconds(100));
  EXPECT_EQ(submit.request.body->text(), R"({"at":"${now_ms}","kind":"resize"})");
  const auto& poll = f.steps[1];
  ASSERT_TRUE(poll.until);
  EXPECT_EQ(poll.until->pointer, "/status");
  EXPECT_EQ(poll.until->any_of_json, (std::vector<std::string>{"\"running\"", "\"done\""}));
  EXPECT_EQ(poll.until->statuses, (std::vector<int>{200, 202}));
  EXPECT_EQ(poll.until->poll, std::chrono::milliseconds(50));
  EXPECT_EQ(poll.until->timeout, std::chrono::seconds(3));
  EXPECT_EQ(poll.since_start, "queue_to_start");
  EXPECT_EQ(poll.think.kind, Think::Kind::kUniform);
  EXPECT_EQ(poll.think.b, std::chrono::milliseconds(20));
  const auto& pages = f.steps[2];
  EXPECT_EQ(pages.repeat_while, "cursor");
  EXPECT_EQ(pages.max_repeats, 50);
  EXPECT_EQ(pages.think.kind, Think::Kind::kExponential);
  EXPECT_EQ(pages.request.path.text(), "${loc}?cursor=${cursor}");
}

TEST(FlowsLoader, StepsGetDefaultNamesAndFlowsMixWithRequests) {
  const auto s = loaded(with(R"(requests:
  - { name: plain, get: / }
flows:
  - name: walk
    steps:
      - get: "/items?limit=5"
)"));
  ASSERT_EQ(s.flows.size(), 1u);
  EXPECT_EQ(s.flows[0].steps[0].request.name, "walk GET /items");
  EXPECT_EQ(s.requests.size(), 1u);
}

TEST(FlowsLoader, StepMistakesAreLocated) {
  const auto r = load(with(R"(flows:
  - name: f
    steps:
      - name: a
        get: /a
        extrct: { id: /id }
        weight: 2
      - name: b
        get: "/b/${idd}"
        extract:
          id: id
          x: { regex: 'no group' }
          y: { regex: '(a)(b)' }
          z: { regex: '(' }
          w: { json: /w, header: W }
          uuid: /u
        until: { poll: 1s }
        repeat_while: q
)"));
  EXPECT_EQ(errors_of(r),
            (Errors{
                "s.yaml:9:9: unknown key 'extrct' in a step (did you mean 'extract'?)",
                "s.yaml:10:9: weight: belongs to the flow, not to one of its steps",
                "s.yaml:12:18: ${idd} has no value when step 'b' runs: extract it in an earlier step of flow 'f', "
                "give it in vars:, or read it from a feed",
                "s.yaml:14:15: 'id' is not a JSON pointer (e.g. /id or /items/0/id); for a header write {header: "
                "Name}, for a regex {regex: '...'}",
                "s.yaml:15:14: regex 'no group' must have exactly one group (...), the value; it has 0",
                "s.yaml:16:14: regex '(a)(b)' must have exactly one group (...), the value; it has 2",
                r.errors[6].where.str() + ": " + r.errors[6].message,
                "s.yaml:18:26: give one of json:, header: or regex: per value (json: and header:)",
                "s.yaml:19:11: ${uuid} is built in; extract into another name",
                "s.yaml:20:16: until needs json: (/status: done) or status: (200), or both",
                "s.yaml:21:9: give either until: or repeat_while:, not both",
                "s.yaml:21:23: repeat_while: q must name a value this step extracts (e.g. extract: { q: "
                "/next_cursor })",
            }));
  EXPECT_EQ(r.errors[6].where.str(), "s.yaml:17:14");
  EXPECT_NE(r.errors[6].message.find("regex '(' does not compile"), std::string::npos);
}

TEST(FlowsLoader, VariablesMustBeSetBeforeTheStepRuns) {
  const auto r = load(with(R"(flows:
  - name: f
    steps:
      - name: first
        get: "/p?cursor=${cursor}"
        extract: { cursor: /next }
        repeat_while: cursor
      - name: second
        get: /q
        headers: { X-Id: "${cursr}" }
)"));
  EXPECT_EQ(errors_of(r),
            (Errors{"s.yaml:8:25: ${cursor} has no value when step 'first' runs: this step extracts cursor only "
                    "after its first request: give a starting value in the flow's vars:",
                    "s.yaml:13:27: ${cursr} has no value when step 'second' runs: extract it in an earlier step of "
                    "flow 'f', give it in vars:, or read it from a feed (did you mean 'cursor'?)"}));
}

TEST(FlowsLoader, UntilThinkAndRepeatErrors) {
  const auto r = load(with(R"(flows:
  - name: f
    steps:
      - name: a
        get: /a
        extract: { n: /n }
        until: { json: { /a: 1, /b: 2 }, timeout: 0s }
        repeat_while: n
        think: { uniform: [2s, 1s] }
      - name: b
        get: /b
        max_repeats: 3
        think: { fixed: 1s, exponential: 2s }
      - name: c
        get: /c
        until: { json: { status: done } }
        think: { gaussian: 1s }
)"));
  EXPECT_EQ(errors_of(r),
            (Errors{
                "s.yaml:10:24: until json must map one JSON pointer to the value awaited (/status: done), or to a "
                "list of values ([running, done])",
                "s.yaml:10:51: timeout must be longer than 0s",
                "s.yaml:11:9: give either until: or repeat_while:, not both",
                "s.yaml:12:27: uniform: the max is below the min",
                "s.yaml:15:9: max_repeats: needs repeat_while: beside it",
                "s.yaml:16:16: think takes one of fixed: 1s, uniform: [100ms, 1s] or exponential: 500ms",
                "s.yaml:19:26: 'status' is not a JSON pointer (e.g. /status)",
                "s.yaml:20:18: unknown key 'gaussian' in think",
            }));
}

TEST(FlowsLoader, NamesShareOneNamespace) {
  const auto r = load(with(R"(requests:
  - { name: list, get: / }
flows:
  - name: list
    steps:
      - { name: http, get: /a }
      - { name: step, get: /b, since_start: step }
  - steps:
      - { get: /c }
slo:
  - lst.p99 < 1s
)"));
  EXPECT_EQ(errors_of(r),
            (Errors{
                "s.yaml:7:11: the name 'list' is already taken by a request, flow or step: metrics need names of "
                "their own",
                "s.yaml:9:17: 'http' is a metric of its own in SLOs; give the step another name",
                "s.yaml:10:45: the name 'step' is already taken by a request, flow or step: metrics need names of "
                "their own",
                "s.yaml:11:5: a flow needs a name: (its metrics are <name>.p95 and so on)",
                r.errors[4].str(),
            }));
  EXPECT_NE(r.errors[4].message.find("'lst' is not http, send_lag, a request name"), std::string::npos);
  EXPECT_NE(r.errors[4].message.find("did you mean 'list'?"), std::string::npos) << r.errors[4].message;
}

TEST(FlowsLoader, FeedsReadTheirColumnsAndOptions) {
  const FeedFile csv("users.csv", "id,email\n1,a@x\n");
  const FeedFile jsonl("users.jsonl", "{\"user\":\"u1\",\"n\":3}\n");
  const auto s = loaded(with(R"(feeds:
  - { name: users, file: )" + csv.path() + R"(, order: random, window: 50, at_end: stop }
  - { name: more, file: )" + jsonl.path() + R"(, order: unique }
  - { name: other, file: )" + csv.path() + R"(, format: csv, at_end: fail }
flows:
  - name: f
    feed: [users, more]
    steps:
      - { get: "/u/${id}?e=${email}&u=${user}&n=${n}" }
)"));
  ASSERT_EQ(s.feeds.size(), 3u);
  EXPECT_EQ(s.feeds[0].columns, (std::vector<std::string>{"id", "email"}));
  EXPECT_EQ(s.feeds[0].order, FeedSpec::Order::kRandom);
  EXPECT_EQ(s.feeds[0].window, 50);
  EXPECT_EQ(s.feeds[0].at_end, FeedSpec::AtEnd::kStop);
  EXPECT_EQ(s.feeds[1].format, FeedSpec::Format::kJsonLines);
  EXPECT_EQ(s.feeds[1].columns, (std::vector<std::string>{"n", "user"}));
  EXPECT_EQ(s.feeds[1].at_end, FeedSpec::AtEnd::kStop);  // unique stops by default
  EXPECT_EQ(s.feeds[2].at_end, FeedSpec::AtEnd::kFail);
  EXPECT_EQ(s.flows[0].feeds, (std::vector<std::string>{"users", "more"}));
}

TEST(FlowsLoader, FeedMistakes) {
  const FeedFile csv("people.csv", "id,e mail\n1,a\n");
  const FeedFile empty("empty.csv", "");
  const FeedFile txt("data.txt", "id\n1\n");
  const auto r = load(with(R"(feeds:
  - { name: a, file: /nonexistent/x.csv }
  - { name: b, file: )" + csv.path() + R"( }
  - { name: c, file: )" + empty.path() + R"(, order: unique, at_end: wrap }
  - { name: d, file: )" + txt.path() + R"(, window: 5, order: shuffled }
  - { name: d, file: )" + txt.path() + R"(, format: csv }
flows:
  - name: f
    feed: users
    steps:
      - { get: / }
)"));
  const auto errors = errors_of(r);
  ASSERT_EQ(errors.size(), 9u) << testing::joined(r);
  const auto all = testing::joined(r);
  EXPECT_EQ(errors[0], "s.yaml:5:22: cannot open feed file '/nonexistent/x.csv'");
  for (const auto* expected : {"column 'e mail' cannot be a variable name",
                               "order: unique hands each row out once, so it cannot wrap: use at_end: stop or fail",
                               "is empty: it needs a header row", "cannot tell the format of",
                               "order must be one of sequential, random, unique, not 'shuffled'",
                               "window: applies to order: random only", "feed name 'd' is used twice"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " in\n" << all;
  }
  EXPECT_EQ(errors[8], "s.yaml:12:11: there is no feed named 'users' in feeds:");
}

TEST(FlowsLoader, AFeedThatIsADirectoryIsCalledOne) {
  const auto dir = std::filesystem::temp_directory_path().string();
  const auto r = load(with(R"(feeds:
  - { name: users, file: )" + dir + R"(, format: csv }
flows:
  - name: f
    feed: users
    steps:
      - { get: / }
)"));
  EXPECT_EQ(errors_of(r), std::vector<std::string>{"s.yaml:5:26: feed file '" + dir + "' is a directory, not a file"});
}

TEST(FlowsLoader, FeedsNeedFlowsAndFlowsNeedSteps) {
  const FeedFile csv("ids.csv", "id\n1\n");
  const auto r = load(with(R"(requests:
  - get: /
feeds:
  - { name: ids, file: )" + csv.path() + R"( }
)"));
  EXPECT_EQ(errors_of(r), (Errors{"s.yaml:6:1: feeds: are read by flows: only; there are none"}));
  const auto r2 = load(with(R"(flows:
  - name: f
  - name: g
    steps: []
)"));
  EXPECT_EQ(errors_of(r2), (Errors{"s.yaml:5:5: a flow needs steps: (a list of requests, each like those in "
                                   "requests:)",
                                   "s.yaml:7:12: steps is empty: give at least one step"}));
}

}  // namespace
}  // namespace loadgen::scenario
