#pragma once

#include "targets/refserver/router.hpp"
#include "targets/refserver/services.hpp"

namespace loadgen::refserver {

// Every endpoint, bound to its handler. The handlers reach `services` at call time.
Router make_router(Services& services);

}  // namespace loadgen::refserver
