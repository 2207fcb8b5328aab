#pragma once

// Include this instead of <boost/asio.hpp>. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>, which g++ 12 rejects; including it first keeps every
// translation unit building (toolchain.md, G1).
#include <utility>

#include <boost/asio.hpp>
