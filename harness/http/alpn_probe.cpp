#include "harness/http/alpn_probe.hpp"

#include <boost/asio/ssl.hpp>

#include "harness/http/tls_client.hpp"

namespace loadgen::http {

std::optional<Protocol> probe_alpn(net::ip::tcp::endpoint endpoint, const Endpoint& target,
                                   net::ssl::context& tls_context, std::chrono::milliseconds timeout) {
  net::io_context ioc;
  net::ssl::stream<net::ip::tcp::socket> stream(ioc, tls_context);
  std::optional<Protocol> chosen;
  if (prepare_client_tls(stream.native_handle(), target, std::string_view("\x02h2\x08http/1.1", 12))) return chosen;
  stream.next_layer().async_connect(endpoint, [&](const boost::system::error_code& connected) {
    if (connected) return;
    stream.async_handshake(net::ssl::stream_base::client, [&](const boost::system::error_code& ec) {
      if (!ec) chosen = alpn_selected(stream.native_handle()) == "h2" ? Protocol::kH2 : Protocol::kHttp1;
      boost::system::error_code ignored;
      stream.next_layer().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      stream.next_layer().close(ignored);
    });
  });
  ioc.run_for(timeout);
  return chosen;
}

}  // namespace loadgen::http
