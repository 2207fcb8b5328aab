#include <limits>

#include <fmt/format.h>

#include "targets/refserver/handlers.hpp"
#include "targets/refserver/json_body.hpp"
#include "targets/refserver/query.hpp"

namespace loadgen::refserver {
namespace {

constexpr std::size_t kMaxNameBytes = 256;

Response page_response(const targets::Result<std::string>& page) {
  if (!page) {
    const auto& error = page.error();
    return json_response(
        targets::is_client_error(error.code) ? 400 : 500,
        {{"error", error.message}, {"code", targets::error_code_name(error.code)}});
  }
  Response response;
  response.body = *page;
  return response;
}

core::Expected<std::int64_t> limit_param(const QueryParams& params) {
  return int_param(params, "limit", ItemsService::kDefaultLimit, targets::Paginator::kMinLimit,
                   targets::Paginator::kMaxLimit);
}

}  // namespace

Response handle_list_items(const Request& request, ItemsService& items) {
  auto params = QueryParams::parse(request.query);
  if (!params)
    return error_response(400, params.error());
  auto limit = limit_param(*params);
  if (!limit)
    return error_response(400, limit.error());
  // An empty cursor means "from the start", as a client building ?cursor=${next} would send.
  auto cursor = params->get("cursor");
  if (cursor && cursor->empty())
    cursor.reset();
  return page_response(items.page(*limit, cursor));
}

Response handle_list_items_offset(const Request& request, ItemsService& items) {
  auto params = QueryParams::parse(request.query);
  if (!params)
    return error_response(400, params.error());
  auto limit = limit_param(*params);
  if (!limit)
    return error_response(400, limit.error());
  auto offset = int_param(*params, "offset", 0, 0, std::numeric_limits<std::int32_t>::max());
  if (!offset)
    return error_response(400, offset.error());
  return page_response(items.page_at_offset(*limit, *offset));
}

Response handle_create_item(const Request& request, ItemsService& items) {
  auto body = parse_json_object(request.body);
  if (!body)
    return error_response(400, body.error());
  const auto name = body->find("name");
  if (name == body->end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return error_response(400, "field 'name' must be a non-empty string");
  }
  if (name->get_ref<const std::string&>().size() > kMaxNameBytes) {
    return error_response(400, fmt::format("field 'name' must be at most {} bytes", kMaxNameBytes));
  }
  const auto payload = body->find("payload");
  if (payload != body->end() && !payload->is_string()) {
    return error_response(400, "field 'payload' must be a string");
  }
  auto added = items.add(name->get<std::string>(),
                         payload == body->end() ? std::string() : payload->get<std::string>());
  switch (added.status) {
    case ItemsService::AddStatus::kAccepted:
      return json_response(202, {{"id", added.id}, {"status", "accepted"}});
    case ItemsService::AddStatus::kFull:
      return unavailable("item write buffer is full");
    case ItemsService::AddStatus::kClosed:
      return unavailable("server is draining");
  }
  return error_response(500, "unexpected item status");
}

}  // namespace loadgen::refserver
