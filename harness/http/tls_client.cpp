#include "harness/http/tls_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace loadgen::http {
namespace {

boost::system::error_code last_ssl_error() {
  return {static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category()};
}

const std::string& checked_name(const Endpoint& target) {
  return target.tls_options.server_name.empty() ? target.host : target.tls_options.server_name;
}

}  // namespace

boost::system::error_code prepare_client_tls(SSL* ssl, const Endpoint& target, std::string_view alpn) {
  const std::string& name = checked_name(target);
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(name, not_ip);
  // SNI: many TLS servers refuse a handshake without it; a literal IP address is never sent
  // as a server name (RFC 6066, section 3). SSL_set_tlsext_host_name is a macro with a C cast;
  // this is what it expands to.
  if (not_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         static_cast<void*>(const_cast<char*>(name.c_str()))) != 1) {
    return last_ssl_error();
  }
  // The certificate must name the host we meant (a DNS name, or the IP address itself).
  if (target.tls_options.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const int set = not_ip ? X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0)
                           : X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    if (set != 1) return last_ssl_error();
  }
  if (!alpn.empty() &&
      SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn.data()), static_cast<unsigned>(alpn.size())) != 0) {
    return last_ssl_error();
  }
  return {};
}

std::string tls_refusal(const Endpoint& target, long verify_result) {
  // Never a silent pass, never a vague "handshake failed": the reason is the verifier's.
  return fmt::format("the server's certificate was refused for {}: {}", checked_name(target),
                     X509_verify_cert_error_string(verify_result));
}

std::string_view alpn_selected(const SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &data, &len);
  return data == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(data), len);
}

}  // namespace loadgen::http
