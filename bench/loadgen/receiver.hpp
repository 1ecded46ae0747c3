#pragma once
// A webhook receiver for the benchmark: a small Boost.Beast HTTP/1.1 server
// on 127.0.0.1 (a free port), keep-alive, that hands every request to a
// handler on its io thread and answers with the status the handler returns.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bench {

using hook_request = boost::beast::http::request<boost::beast::http::string_body>;

class hook_receiver {
 public:
  /// Returns the status to answer; called on the io thread with the time
  /// the request was read.
  using handler = std::function<int(const hook_request&, std::chrono::steady_clock::time_point)>;

  hook_receiver(boost::asio::io_context& io, handler h)
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::make_shared<handler>(std::move(h))) {
    accept();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct session : std::enable_shared_from_this<session> {
    session(boost::asio::ip::tcp::socket s, std::shared_ptr<handler> h)
        : stream(std::move(s)), handle(std::move(h)) {}
    void read() {
      req = {};
      stream.expires_after(std::chrono::seconds(120));
      boost::beast::http::async_read(
          stream, buf, req, [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
            if (ec)
              return self->close();
            const int status = (*self->handle)(self->req, std::chrono::steady_clock::now());
            self->res = {};
            self->res.version(11);
            self->res.result(static_cast<unsigned>(status));
            self->res.keep_alive(self->req.keep_alive());
            self->res.set(boost::beast::http::field::content_type, "text/plain");
            self->res.body() = status == 200 ? "ok\n" : "try again\n";
            self->res.prepare_payload();
            boost::beast::http::async_write(self->stream, self->res,
                                            [self](boost::beast::error_code ec2, std::size_t) {
                                              if (ec2 || !self->res.keep_alive())
                                                return self->close();
                                              self->read();
                                            });
          });
    }
    void close() {
      boost::beast::error_code ignored;
      stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      stream.close();
    }
    boost::beast::tcp_stream stream;
    std::shared_ptr<handler> handle;
    boost::beast::flat_buffer buf;
    hook_request req;
    boost::beast::http::response<boost::beast::http::string_body> res;
  };

  void accept() {
    acceptor_.async_accept([this](boost::beast::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec == boost::asio::error::operation_aborted)
        return;
      if (!ec)
        std::make_shared<session>(std::move(s), handler_)->read();
      accept();
    });
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<handler> handler_;
};

/// Lower-case hex of HMAC-SHA256(key, data).
inline std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

/// Whether `header` is "sha256=<hex HMAC-SHA256 of body with secret>"
/// (hex in either case), compared in constant time.
inline bool signature_ok(const std::string& header, const std::string& secret,
                         const std::string& body) {
  const std::string prefix = "sha256=";
  if (header.compare(0, prefix.size(), prefix) != 0)
    return false;
  std::string got = header.substr(prefix.size());
  for (auto& c : got)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto want = hmac_sha256_hex(secret, body);
  return got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
}

} // namespace bench
