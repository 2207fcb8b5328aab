// The bytes of a request: what the server sees, byte for byte.
#include "harness/http/request_writer.hpp"

#include <gtest/gtest.h>

namespace loadgen::http {
namespace {

TEST(RequestWriter, AGetHasHostAndUserAgentAndNoBody) {
  Request r;
  r.target = "/api/items?limit=50";
  std::string out;
  write_request(r, "127.0.0.1:8080", out);
  EXPECT_EQ(out, "GET /api/items?limit=50 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: loadgen/0.1\r\n\r\n");
}

TEST(RequestWriter, APostCarriesItsLengthAndBody) {
  Request r;
  r.method = "POST";
  r.target = "/api/jobs";
  r.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "k1"}};
  r.body = R"({"kind":"resize"})";
  std::string out;
  write_request(r, "h", out);
  EXPECT_EQ(out,
            "POST /api/jobs HTTP/1.1\r\nHost: h\r\nUser-Agent: loadgen/0.1\r\nContent-Type: application/json\r\n"
            "Idempotency-Key: k1\r\nContent-Length: 17\r\n\r\n{\"kind\":\"resize\"}");
}

TEST(RequestWriter, AnEmptyPostStillSaysLengthZero) {
  Request r;
  r.method = "POST";
  r.target = "/x";
  std::string out;
  write_request(r, "h", out);
  EXPECT_NE(out.find("\r\nContent-Length: 0\r\n\r\n"), std::string::npos) << out;
}

TEST(RequestWriter, UserHostAndAgentReplaceTheDefaultsAndLengthIsAlwaysOurs) {
  Request r;
  r.method = "PUT";
  r.target = "/x";
  r.headers = {{"host", "example.test"}, {"USER-AGENT", "probe"}, {"Content-Length", "999"},
               {"Transfer-Encoding", "chunked"}};
  r.body = "abc";
  std::string out;
  write_request(r, "127.0.0.1:1", out);
  EXPECT_EQ(out, "PUT /x HTTP/1.1\r\nhost: example.test\r\nUSER-AGENT: probe\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(RequestWriter, TheBufferIsReplacedNotAppended) {
  Request r;
  r.target = "";
  std::string out = "left over";
  write_request(r, "h", out);
  EXPECT_EQ(out.rfind("GET / HTTP/1.1\r\n", 0), 0u) << out;
}

}  // namespace
}  // namespace loadgen::http
