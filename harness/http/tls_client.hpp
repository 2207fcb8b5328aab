#pragma once

// Internal to the HTTP client: what every client TLS connection sets on its SSL object before
// the handshake (SNI, the name the certificate must carry, ALPN), and how a refusal reads.
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

#include "harness/http/types.hpp"

namespace loadgen::http {

// `alpn` in the wire format (length-prefixed names, e.g. "\x02h2\x08http/1.1"); "" offers none.
boost::system::error_code prepare_client_tls(SSL* ssl, const Endpoint& target, std::string_view alpn);

// "the server's certificate was refused for NAME: REASON", from SSL_get_verify_result.
std::string tls_refusal(const Endpoint& target, long verify_result);

// The protocol the server chose by ALPN; "" when it chose none.
std::string_view alpn_selected(const SSL* ssl);

}  // namespace loadgen::http
