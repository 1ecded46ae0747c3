#pragma once
// What the HTTP server's tests share: a raw TCP connection for bytes no
// proper client sends, the server fixture, and reply parsing. Included by
// http_server_test.cpp (the contract) and http_defences_test.cpp (limits,
// timeouts and the RFC 9112 checks).

#include <gtest/gtest.h>

#include <condition_variable>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/http/server.hpp"
#include "tests/support/http_client.hpp"

namespace hotline::test::http_server_support {

using namespace std::chrono_literals;
namespace http = hotline::http;
using hotline::test::http_client;
using hotline::test::url_encode;
using json = nlohmann::json;

/// A plain TCP connection with timeouts, for bytes that no proper client sends.
class raw_connection {
 public:
  /// Connects from `from` (another loopback address is another client).
  explicit raw_connection(std::uint16_t port, const char* from = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket() failed");
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &source.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind() failed");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() failed");
    }
  }
  ~raw_connection() { ::close(fd_); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        throw std::runtime_error("send() failed");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// Reads until `marker` has arrived, the peer closed, or `timeout` passed.
  std::string read_until(std::string_view marker, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(marker) == std::string::npos && !closed_ && read_some(deadline)) {
    }
    const auto end = received_.find(marker);
    const auto cut = end == std::string::npos ? received_.size() : end + marker.size();
    std::string out = received_.substr(0, cut);
    received_.erase(0, cut);
    return out;
  }

  /// Reads until the peer closed or `timeout` passed.
  std::string read_until_closed(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && read_some(deadline)) {
    }
    return std::exchange(received_, {});
  }

  bool closed() const { return closed_; }

 private:
  /// False when the deadline passed.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      return true;
    if (ready <= 0)
      return false;
    char buf[4096];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true; // orderly close or reset
    } else {
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

/// Polls `done` every 10 ms for at most `limit`; true once it holds.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

const std::string internal_error_body
    = R"({"error":{"code":"internal","message":"internal error","field":null}})";

/// Starts a server with a recording handler on a free loopback port.
class http_server : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_)
      server_->stop();
  }

  void start(http::server_options opts = {}) {
    server_ = std::make_unique<http::server>(
        std::move(opts), [this](http::request r, http::responder done) { handle(r, done); });
    server_->start();
  }

  /// /park keeps the responder for the test to answer, /drop loses it,
  /// /twice answers twice; every other path answers at once.
  void handle(const http::request& r, const http::responder& done) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(r);
      if (r.path == "/park")
        parked_.push_back(done);
    }
    seen_cv_.notify_all();
    if (r.path == "/park" || r.path == "/drop")
      return;
    if (r.path == "/twice") {
      done(http::response{201, "text/plain", "first", {}});
      done(http::response{202, "text/plain", "second", {}});
      return;
    }
    done(answer(r)); // throws for /throw, before answering
  }

  static http::response answer(const http::request& r) {
    http::response res;
    if (r.path == "/throw")
      throw std::runtime_error("handler exploded");
    if (r.path == "/retry") {
      res.status = 429;
      res.body = R"({"error":{"code":"busy","message":"try later","field":null}})";
      res.headers = {{"Retry-After", "5"}};
      return res;
    }
    if (r.path == "/bad-header") {
      res.headers = {{"X-Note", "a\r\nInjected: yes"}};
      return res;
    }
    if (r.path == "/shared" || r.path == "/shared-and-body" || r.path == "/shared-204") {
      // Issue 16: bytes built once, answered without a copy.
      static const auto shared
          = std::make_shared<const std::string>(std::string(100000, 'x') + "end");
      res.shared_body = shared;
      if (r.path == "/shared-and-body")
        res.body = "both";
      if (r.path == "/shared-204")
        res.status = 204;
      return res;
    }
    if (r.path == "/sniff")
      res.headers = {{"X-Content-Type-Options", "custom"}};
    res.body = R"({"ok":true})";
    return res;
  }

  std::vector<http::request> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

  /// Waits (at most 10 s) until the handler has been entered `n` times.
  bool wait_for_requests(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return seen_cv_.wait_for(lock, 10s, [&] { return seen_.size() >= n; });
  }

  /// The responder of the `i`th /park request (wait_for_requests first).
  http::responder parked(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return parked_.at(i);
  }

  http_client client() const { return http_client("127.0.0.1", server_->port()); }
  raw_connection raw(const char* from = "127.0.0.1") const {
    return raw_connection(server_->port(), from);
  }

  std::unique_ptr<http::server> server_;
  std::mutex mutex_;
  std::vector<http::request> seen_;
  std::vector<http::responder> parked_;
  std::condition_variable seen_cv_;
};

/// A raw reply split into status, head and JSON body (if any).
struct raw_reply {
  int status = 0;
  std::string head;
  json body;
  bool has(std::string_view header_line) const {
    return head.find(std::string(header_line) + "\r\n") != std::string::npos;
  }
};

inline raw_reply parse_reply(const std::string& bytes) {
  raw_reply out;
  if (bytes.rfind("HTTP/1.", 0) != 0 || bytes.size() < 12)
    return out;
  out.status = std::stoi(bytes.substr(9, 3));
  const auto end = bytes.find("\r\n\r\n");
  out.head = bytes.substr(0, end + 2);
  out.body = json::parse(bytes.substr(end + 4), nullptr, false);
  return out;
}

/// Sends `bytes` on a fresh connection and returns everything until close.
inline raw_reply exchange(raw_connection conn, std::string_view bytes) {
  conn.send(bytes);
  auto reply = parse_reply(conn.read_until_closed(3s));
  EXPECT_TRUE(conn.closed()) << bytes;
  return reply;
}

inline json error_of(const hotline::test::http_result& r) {
  return json::parse(r.body).at("error");
}

} // namespace hotline::test::http_server_support
