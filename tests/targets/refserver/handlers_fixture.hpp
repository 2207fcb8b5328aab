#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "targets/refserver/main_store.hpp"
#include "targets/refserver/routes.hpp"
#include "targets/refserver/services.hpp"
#include "tests/targets/refserver/temp_dir.hpp"

// The real routes over real stores in a temp directory; only the sockets are missing.
namespace loadgen::refserver::testing {

class HandlersFixture : public ::testing::Test {
 public:
  static constexpr std::int64_t kSeedRows = 120;
  // What call() records as each request's duration: requests here take no socket time.
  static constexpr std::chrono::milliseconds kRecordedLatency{1};

 protected:
  void SetUp() override {
    const auto main = dir_ / "main.sqlite3";
    ASSERT_TRUE(prepare_main_store(main, true));
    ASSERT_TRUE(seed_main_store(main, kSeedRows));
    ItemsOptions options;
    options.db_path = main;
    options.seed_rows = kSeedRows;
    options.batch_max_age = std::chrono::milliseconds(5);
    services_.items = ItemsService::open(options, codec_).value();
    services_.jobs.attach_ledger(JobLedger::open(dir_ / "queue.sqlite3", true).value());
    services_.metrics = std::make_unique<RequestMetrics>(router_.patterns());
  }

  Response call(std::string method, std::string_view target, std::string body = {},
                HeaderList headers = {}) {
    auto request = make_request(std::move(method), target, std::move(headers), std::move(body));
    auto routed = router_.dispatch(request.value());
    services_.metrics->record(routed.route, routed.response.status, kRecordedLatency);
    return routed.response;
  }

  static nlohmann::json body_of(const Response& response) {
    return nlohmann::json::parse(response.body);
  }

  TempDir dir_;
  targets::CursorCodec codec_ = targets::CursorCodec::create(std::string(32, 's')).value();
  Services services_{JobsOptions{1, 16, 100}};
  Router router_ = make_router(services_);
};

}  // namespace loadgen::refserver::testing
