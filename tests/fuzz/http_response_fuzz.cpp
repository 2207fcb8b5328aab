// libFuzzer target: any bytes as what a server sent back, fed to the client's response parser
// in two pieces (the split point from the first byte), as the connection feeds it: interim
// 1xx responses are skipped, the end of the bytes is the server closing. The parser must
// finish, ask for more, or fail with an error: never crash or read out of bounds. The first
// byte is control, not response: bit 0 keeps the body, the rest picks the split (the seeds in
// corpus/http_response start with one such byte).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "harness/http/response_parser.hpp"

namespace {

using loadgen::http::Response;
using loadgen::http::ResponseParser;

void start(std::optional<ResponseParser>& parser, Response& response, bool keep_body) {
  parser.emplace(response, keep_body, /*keep_headers=*/true);
  parser->body_limit(keep_body ? std::uint64_t{1} << 20 : std::numeric_limits<std::uint64_t>::max());
  parser->header_limit(64 * 1024);
  parser->eager(true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool keep_body = (data[0] & 1) != 0;
  const size_t split = size > 1 ? 1 + data[0] % (size - 1) : 1;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Response response;
  std::optional<ResponseParser> parser;
  start(parser, response, keep_body);
  boost::system::error_code ec;
  size_t offset = 0;
  // Two deliveries, as two reads from the socket would bring them.
  for (const size_t end : {std::min(split, bytes.size()), bytes.size()}) {
    while (offset < end && !ec) {
      const size_t used = parser->put(boost::asio::buffer(bytes.data() + offset, end - offset), ec);
      offset += used;
      if (ec == boost::beast::http::error::need_more) {
        ec = {};
        break;
      }
      if (!ec && parser->is_done()) {
        if (response.status >= 100 && response.status < 200 && response.status != 101) {
          response = Response{};
          start(parser, response, keep_body);
          continue;
        }
        return 0;
      }
      if (used == 0) break;
    }
    if (ec) return 0;
  }
  // The server closed: a close-delimited body ends here, anything else is partial.
  if (parser->got_some()) parser->put_eof(ec);
  return 0;
}
