#pragma once

#include "harness/http/types.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::load {

// Classifies a response that arrived: kNone when it satisfies `check`, else kBadStatus
// (status not accepted) or kCheckFailed (body or JSON condition not met). An empty check
// accepts any 2xx or 3xx.
http::ErrorKind check_response(const scenario::Check& check, const http::Response& response);

}  // namespace loadgen::load
