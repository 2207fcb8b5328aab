// Shard flags and the Kubernetes manifests shipped for sharded runs (issue 15).
#include "harness/run/shard.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "harness/load/feed.hpp"

namespace loadgen::run {
namespace {

using std::chrono::system_clock;

double epoch_s(system_clock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

TEST(ShardSpec, ParsesIndexOverCountAndRefusesTheRest) {
  const auto s = parse_shard("2/4");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 2);
  EXPECT_EQ(s->count, 4);
  EXPECT_TRUE(parse_shard("0/1").ok());
  EXPECT_NE(parse_shard("4/4").error().find("0..3"), std::string::npos);
  EXPECT_NE(parse_shard("1/0").error().find("1..10000"), std::string::npos);
  for (const char* bad : {"", "1", "1/", "/4", "a/4", "1/4x", "-1/4", "1 / 4"}) EXPECT_FALSE(parse_shard(bad).ok()) << bad;
}

TEST(StartAt, ReadsRfc3339WithZonesAndUnixSeconds) {
  EXPECT_EQ(epoch_s(*parse_start_at("2026-12-05T10:00:00Z")), 1796464800.0);
  EXPECT_EQ(epoch_s(*parse_start_at("2026-12-05T11:00:00+01:00")), 1796464800.0);
  EXPECT_EQ(epoch_s(*parse_start_at("2026-12-05T09:30:00-00:30")), 1796464800.0);
  EXPECT_NEAR(epoch_s(*parse_start_at("2026-12-05T10:00:00.25Z")), 1796464800.25, 1e-6);
  EXPECT_EQ(epoch_s(*parse_start_at("1796464800")), 1796464800.0);
  EXPECT_NEAR(epoch_s(*parse_start_at("1796464800.5")), 1796464800.5, 1e-6);
  for (const char* bad : {"", "tomorrow", "2026-12-05T10:00:00", "2026-12-05 10:00Z", "2026-13-05T10:00:00Z",
                          "2026-12-05T10:00:00Zjunk", "-5", "2026-12-05T10:00:00+0100"}) {
    EXPECT_FALSE(parse_start_at(bad).ok()) << bad;
  }
}

TEST(ShardFeeds, UniqueRowsAreDisjointAcrossShardsAndCoverTheFile) {
  const std::string path = ::testing::TempDir() + "/unique_rows.csv";
  {
    std::ofstream f(path);
    f << "id\n";
    for (int i = 0; i < 10; ++i) f << i << "\n";
  }
  scenario::FeedSpec spec;
  spec.name = "ids";
  spec.path = path;
  spec.columns = {"id"};
  spec.order = scenario::FeedSpec::Order::kUnique;
  spec.at_end = scenario::FeedSpec::AtEnd::kStop;
  std::vector<std::string> all;
  for (int shard = 0; shard < 3; ++shard) {
    auto feed = load::Feed::open(spec, 1, {shard, 3});
    ASSERT_TRUE(feed.ok()) << feed.error();
    std::vector<std::string> row;
    std::vector<std::string> mine;
    while ((*feed)->next(row)) mine.push_back(row.at(0));
    for (size_t k = 0; k < mine.size(); ++k) EXPECT_EQ(std::stoi(mine[k]) % 3, shard) << mine[k];
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
}

// The manifests under deploy/kubernetes: the fields a sharded run depends on.
std::vector<YAML::Node> documents(const std::string& file) {
  return YAML::LoadAllFromFile(std::string(LOADGEN_SOURCE_DIR) + "/deploy/kubernetes/" + file);
}

TEST(KubernetesManifests, AnIndexedJobOfShardsAndAMergeJobShareOneVolume) {
  const auto shards = documents("shards-job.yaml");
  ASSERT_EQ(shards.size(), 1u);
  const auto& job = shards[0];
  EXPECT_EQ(job["kind"].as<std::string>(), "Job");
  EXPECT_EQ(job["apiVersion"].as<std::string>(), "batch/v1");
  const auto spec = job["spec"];
  EXPECT_EQ(spec["completionMode"].as<std::string>(), "Indexed");
  EXPECT_EQ(spec["completions"].as<int>(), spec["parallelism"].as<int>());
  const int n = spec["completions"].as<int>();
  const auto pod = spec["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"].as<std::string>(), "Never");
  const auto container = pod["containers"][0];
  EXPECT_NE(container["image"].as<std::string>().find("loadgen"), std::string::npos);
  std::string args;
  for (const auto& a : container["args"]) args += a.as<std::string>() + " ";
  EXPECT_NE(args.find("--shards " + std::to_string(n)), std::string::npos) << args;
  EXPECT_NE(args.find("--start-at"), std::string::npos) << args;
  EXPECT_NE(args.find("$(JOB_COMPLETION_INDEX)"), std::string::npos) << "each shard writes its own directory: " << args;
  std::set<std::string> mounts;
  for (const auto& m : container["volumeMounts"]) mounts.insert(m["name"].as<std::string>());
  EXPECT_TRUE(mounts.contains("reports"));
  EXPECT_TRUE(mounts.contains("scenario"));
  std::string claim;
  for (const auto& v : pod["volumes"]) {
    if (v["name"].as<std::string>() == "reports") claim = v["persistentVolumeClaim"]["claimName"].as<std::string>();
  }
  EXPECT_FALSE(claim.empty());

  const auto merge = documents("merge-job.yaml");
  ASSERT_EQ(merge.size(), 1u);
  EXPECT_EQ(merge[0]["kind"].as<std::string>(), "Job");
  const auto merge_pod = merge[0]["spec"]["template"]["spec"];
  EXPECT_EQ(merge[0]["spec"]["backoffLimit"].as<int>(), 0) << "the merge's exit code is the verdict: never retried";
  std::string merge_args;
  for (const auto& a : merge_pod["containers"][0]["args"]) merge_args += a.as<std::string>() + " ";
  EXPECT_NE(merge_args.find("merge"), std::string::npos);
  for (int i = 0; i < n; ++i) {
    EXPECT_NE(merge_args.find("shard-" + std::to_string(i)), std::string::npos) << merge_args;
  }
  for (const auto& v : merge_pod["volumes"]) {
    if (v["name"].as<std::string>() == "reports") {
      EXPECT_EQ(v["persistentVolumeClaim"]["claimName"].as<std::string>(), claim);
    }
  }

  const auto shared = documents("scenario-and-volume.yaml");
  std::set<std::string> kinds;
  for (const auto& d : shared) kinds.insert(d["kind"].as<std::string>());
  EXPECT_TRUE(kinds.contains("ConfigMap"));
  EXPECT_TRUE(kinds.contains("PersistentVolumeClaim"));
  for (const auto& d : shared) {
    if (d["kind"].as<std::string>() == "PersistentVolumeClaim") {
      EXPECT_EQ(d["metadata"]["name"].as<std::string>(), claim);
      EXPECT_EQ(d["spec"]["accessModes"][0].as<std::string>(), "ReadWriteMany") << "N pods write it at once";
    }
    if (d["kind"].as<std::string>() == "ConfigMap") {
      EXPECT_TRUE(d["data"]["scenario.yaml"].IsScalar());
    }
  }
}

}  // namespace
}  // namespace loadgen::run
