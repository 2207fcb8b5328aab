#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/targets/refserver/http_client.hpp"
#include "tests/targets/refserver/server_process.hpp"
#include "tests/targets/refserver/temp_dir.hpp"

// Shared set-up of the integration tests: the real refserver binary on a free loopback port,
// its databases in a temp directory.
namespace loadgen::refserver::testing {

using namespace std::chrono_literals;

inline constexpr int kSeedRows = 1000;
inline constexpr std::chrono::seconds kStartTimeout{30};
inline constexpr std::chrono::seconds kExitTimeout{30};

class RefserverTest : public ::testing::Test {
 protected:
  std::string binary() const { return REFSERVER_BINARY; }
  std::string db() const { return (dir_ / "main.sqlite3").string(); }

  std::vector<std::string> args(std::vector<std::string> extra) const {
    std::vector<std::string> all{"--port",    "0", "--db",        db(),
                                 "--threads", "2", "--seed-rows", std::to_string(kSeedRows)};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }

  // Starts the server and waits for its port; fails the test if it never listens.
  std::unique_ptr<ServerProcess> start(std::vector<std::string> extra = {}) {
    auto server =
        std::make_unique<ServerProcess>(binary(), args(std::move(extra)), dir_ / "stderr.txt");
    port_ = server->wait_for_port(kStartTimeout);
    EXPECT_NE(port_, 0) << "no 'listening on' line; stderr: " << server->stderr_text();
    return server;
  }

  // SIGTERM, then the exit status (-1 if it did not exit in time).
  static int stop(ServerProcess& server) {
    server.send_signal(SIGTERM);
    return server.wait_for_exit(kExitTimeout).value_or(-1);
  }

  static nlohmann::json json_of(const HttpResponse& response) {
    return nlohmann::json::parse(response.body, nullptr, false);
  }

  TempDir dir_;
  std::uint16_t port_ = 0;
};

}  // namespace loadgen::refserver::testing
