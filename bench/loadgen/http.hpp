#pragma once
// A keep-alive HTTP/1.1 client connection on Boost.Beast, asynchronous, for
// one io_context thread. One request at a time per connection; a request
// that gets no full answer within the timeout fails with status 0 and
// `timed_out`, and the connection is closed (the next request reconnects).

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

struct http_result {
  int status = 0;           // 0: no answer (transport error or timeout)
  bool timed_out = false;   // no full answer within the timeout
  bool retry_after = false; // the answer carried Retry-After
  std::string body;
  std::string error; // transport error text
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  using callback = std::function<void(http_result)>;

  connection(asio::io_context& io, tcp::endpoint ep, std::chrono::milliseconds timeout)
      : stream_(io), ep_(ep), timeout_(timeout) {}

  /// Sends one request; `done` is called exactly once, on the io thread.
  void request(http::verb verb, std::string target, std::string body, const std::string& token,
               callback done) {
    req_ = {};
    req_.method(verb);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1");
    req_.keep_alive(true);
    if (!token.empty())
      req_.set(http::field::authorization, "Bearer " + token);
    if (!body.empty())
      req_.set(http::field::content_type, "application/json");
    req_.body() = std::move(body);
    req_.prepare_payload();
    done_ = std::move(done);
    retried_ = false;
    start();
  }

 private:
  void start() {
    stream_.expires_after(timeout_);
    if (open_) {
      write();
      return;
    }
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail(ec, false);
      self->open_ = true;
      self->fresh_ = true;
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);
      self->write();
    });
  }

  void write() {
    http::async_write(stream_, req_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec)
                          return self->fail(ec, true);
                        self->read();
                      });
  }

  void read() {
    res_ = {};
    http::async_read(
        stream_, buf_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            return self->fail(ec, true);
          http_result r;
          r.status = static_cast<int>(self->res_.result_int());
          r.retry_after = self->res_.find(http::field::retry_after) != self->res_.end();
          r.body = std::move(self->res_.body());
          if (!self->res_.keep_alive())
            self->close();
          self->fresh_ = false;
          self->finish(std::move(r));
        });
  }

  // A keep-alive connection the server closed while idle fails on its first
  // write or read: that one is retried once on a new connection.
  void fail(beast::error_code ec, bool after_connect) {
    const bool stale = after_connect && !fresh_ && !retried_ && ec != beast::error::timeout;
    close();
    if (stale) {
      retried_ = true;
      start();
      return;
    }
    http_result r;
    r.timed_out = ec == beast::error::timeout;
    r.error = ec.message();
    finish(std::move(r));
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buf_.clear();
    open_ = false;
  }

  void finish(http_result r) {
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  beast::tcp_stream stream_;
  tcp::endpoint ep_;
  std::chrono::milliseconds timeout_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  callback done_;
  bool open_ = false;
  bool fresh_ = false;
  bool retried_ = false;
};

} // namespace bench
