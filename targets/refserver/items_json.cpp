#include "targets/refserver/items_json.hpp"

#include <nlohmann/json.hpp>

namespace loadgen::refserver {
namespace {

nlohmann::json items_array(const std::vector<targets::Item>& items) {
  auto out = nlohmann::json::array();
  for (const auto& item : items) {
    out.push_back({{"id", item.id},
                   {"created_at", item.created_at},
                   {"name", item.name},
                   {"payload", item.payload}});
  }
  return out;
}

}  // namespace

std::string page_json(const targets::Page& page) {
  nlohmann::json body{{"items", items_array(page.items)}, {"next_cursor", nullptr}};
  if (page.next_cursor)
    body["next_cursor"] = *page.next_cursor;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string offset_page_json(const targets::OffsetPage& page) {
  nlohmann::json body{{"items", items_array(page.items)}, {"next_offset", nullptr}};
  if (page.next_offset)
    body["next_offset"] = *page.next_offset;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace loadgen::refserver
