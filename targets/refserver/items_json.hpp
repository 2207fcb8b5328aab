#pragma once

#include <string>

#include "targets/pagination/paginator.hpp"

// The JSON bodies of the item endpoints, in one place so a cached page and a live one are
// byte for byte the same.
namespace loadgen::refserver {

// {"items":[{"id","created_at","name","payload"}...],"next_cursor":"..."|null}
std::string page_json(const targets::Page& page);

// {"items":[...],"next_offset":N|null}
std::string offset_page_json(const targets::OffsetPage& page);

}  // namespace loadgen::refserver
