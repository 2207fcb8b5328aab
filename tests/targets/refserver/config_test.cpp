#include "targets/refserver/config.hpp"

#include <filesystem>

#include <gtest/gtest.h>

namespace loadgen::refserver {
namespace {

namespace fs = std::filesystem;

RawConfig raw_with_db(std::string db) {
  RawConfig raw;
  raw.db_path = std::move(db);
  return raw;
}

TEST(RefserverConfig, DefaultsAreValid) {
  auto config = build_config(RawConfig{});
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->bind_address, "127.0.0.1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->startup, StartupMode::kSequential);
  EXPECT_EQ(config->max_body_bytes, 1024U * 1024U);
  EXPECT_GE(config->threads, 1);
  EXPECT_EQ(config->seed_rows, 10000);
}

TEST(RefserverConfig, ValuesAreTrimmedOfStrayWhitespace) {
  RawConfig raw = raw_with_db(" " + fs::temp_directory_path().string() + "/x.db\n");
  raw.port = " 0\n";
  raw.startup = "staged\n";
  raw.threads = "\t3 ";
  raw.phase_delays = {" seed=500ms , warm=1s\n"};
  auto config = build_config(raw);
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->db_path, fs::temp_directory_path() / "x.db");
  EXPECT_EQ(config->port, 0);
  EXPECT_EQ(config->startup, StartupMode::kStaged);
  EXPECT_EQ(config->threads, 3);
  EXPECT_EQ(config->delays.seed, Millis{500});
  EXPECT_EQ(config->delays.warm, Millis{1000});
}

TEST(RefserverConfig, BadPortsAreRejectedNamingTheFlag) {
  for (const char* port : {"70000", "-1", "abc", "80x", ""}) {
    RawConfig raw;
    raw.port = port;
    auto config = build_config(raw);
    ASSERT_FALSE(config) << port;
    EXPECT_EQ(config.error().rfind("--port: ", 0), 0U) << config.error();
    EXPECT_EQ(config.error().find('\n'), std::string::npos);
  }
}

TEST(RefserverConfig, MissingDatabaseDirectoryIsOneLine) {
  auto config = build_config(raw_with_db("/no/such/dir/x.db"));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), "--db: directory '/no/such/dir' does not exist");
}

TEST(RefserverConfig, EveryProblemIsReportedOnItsOwnLine) {
  RawConfig raw = raw_with_db("/no/such/dir/x.db");
  raw.port = "abc";
  raw.startup = "lazy";
  auto config = build_config(raw);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("--port"), std::string::npos);
  EXPECT_NE(config.error().find("--db"), std::string::npos);
  EXPECT_NE(config.error().find("--startup: 'lazy'"), std::string::npos);
  EXPECT_EQ(std::count(config.error().begin(), config.error().end(), '\n'), 2);
}

TEST(RefserverConfig, SideDatabasesSitBesideTheMainOneOrInTheDataDir) {
  const auto tmp = fs::temp_directory_path();
  auto beside = build_config(raw_with_db((tmp / "app.sqlite3").string()));
  ASSERT_TRUE(beside);
  EXPECT_EQ(beside->queue_db_path, tmp / "app-queue.sqlite3");
  EXPECT_EQ(beside->cache_db_path, tmp / "app-cache.sqlite3");
  RawConfig raw = raw_with_db("app.db");
  raw.data_dir = tmp.string();
  auto in_dir = build_config(raw);
  ASSERT_TRUE(in_dir);
  EXPECT_EQ(in_dir->queue_db_path, tmp / "app-queue.sqlite3");
  raw.data_dir = "/no/such/dir";
  EXPECT_FALSE(build_config(raw));
}

TEST(RefserverConfig, PhaseDelaysAddUpAndRejectUnknownPhases) {
  auto delays = parse_phase_delays({"migrate=200ms,seed=500ms", "seed=1s"});
  ASSERT_TRUE(delays);
  EXPECT_EQ(delays->migrate, Millis{200});
  EXPECT_EQ(delays->seed, Millis{1500});
  EXPECT_EQ(delays->warm, Millis{0});
  EXPECT_FALSE(parse_phase_delays({"boot=1s"}));
  EXPECT_FALSE(parse_phase_delays({"seed"}));
  EXPECT_FALSE(parse_phase_delays({"seed=fast"}));
}

TEST(RefserverConfig, SizesAndDurationsUseHumanUnits) {
  RawConfig raw;
  raw.max_body = "64KiB";
  raw.read_timeout = "1.5s";
  raw.batch_max_age = "abc";
  auto config = build_config(raw);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("--batch-max-age: 'abc'"), std::string::npos);
  raw.batch_max_age = "5ms";
  config = build_config(raw);
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->max_body_bytes, 64U * 1024U);
  EXPECT_EQ(config->read_timeout, Millis{1500});
}

TEST(RefserverConfig, BindMustBeAnAddress) {
  RawConfig raw;
  raw.bind_address = "localhost";
  EXPECT_FALSE(build_config(raw));
  raw.bind_address = " ::1 ";
  EXPECT_TRUE(build_config(raw));
}

}  // namespace
}  // namespace loadgen::refserver
