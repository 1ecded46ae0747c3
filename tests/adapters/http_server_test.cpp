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

namespace {

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

raw_reply parse_reply(const std::string& bytes) {
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
raw_reply exchange(raw_connection conn, std::string_view bytes) {
  conn.send(bytes);
  auto reply = parse_reply(conn.read_until_closed(3s));
  EXPECT_TRUE(conn.closed()) << bytes;
  return reply;
}

json error_of(const hotline::test::http_result& r) {
  return json::parse(r.body).at("error");
}

} // namespace

TEST_F(http_server, hands_the_handler_method_decoded_path_query_body_and_authorization) {
  start();
  auto c = client();
  const std::string district = "渝中区";
  const std::string target = "/api/v1/districts/" + url_encode(district) + "?district="
                             + url_encode(district) + "&q=a+b%20c&flag&code=" + url_encode("x&y=z");
  const std::string body = R"({"caller":"张三","text":"解放碑路灯不亮"})";
  const auto r
      = c.request("PATCH", target, body, "secret-token", "application/json; charset=utf-8");

  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(r.headers.at("server"), "hotlined");
  EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  const auto& seen = requests.front();
  EXPECT_EQ(seen.method, "PATCH");
  EXPECT_EQ(seen.path, "/api/v1/districts/渝中区");
  EXPECT_EQ(seen.query.size(), 4u);
  EXPECT_EQ(seen.query.at("district"), "渝中区");
  EXPECT_EQ(seen.query.at("q"), "a b c");
  EXPECT_EQ(seen.query.at("flag"), "");
  EXPECT_EQ(seen.query.at("code"), "x&y=z");
  EXPECT_EQ(seen.body, body);
  EXPECT_EQ(seen.authorization, "Bearer secret-token");
  EXPECT_EQ(seen.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(seen.remote.rfind("127.0.0.1:", 0), 0u) << seen.remote;
  EXPECT_EQ(seen.remote_ip, "127.0.0.1");
  EXPECT_EQ(seen.header("authorization"), "Bearer secret-token");
  EXPECT_EQ(seen.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(seen.header("x-absent"), "");
  ASSERT_FALSE(seen.headers.empty());
  EXPECT_EQ(seen.headers.front().first, "host"); // lower-cased, in the order sent
  EXPECT_EQ(seen.headers.front().second, "127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(http_server, hands_every_header_in_order_with_lower_cased_names) {
  start();
  const auto reply = exchange(raw(), "GET /h HTTP/1.1\r\nHost: t\r\nX-B: 2\r\nX-A: 1\r\n"
                                     "x-a: again\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.status, 200);
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 1u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"host", "t"}, {"x-b", "2"}, {"x-a", "1"}, {"x-a", "again"}, {"connection", "close"}};
  EXPECT_EQ(seen[0].headers, expected);
  EXPECT_EQ(seen[0].header("x-a"), "1"); // the first value
}

TEST_F(http_server, adds_nosniff_to_every_response_unless_the_handler_sets_its_own) {
  start();
  auto c = client();
  EXPECT_EQ(c.get("/").headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(c.get("/throw").headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(c.get("/sniff").headers.at("x-content-type-options"), "custom");
  const auto refused = exchange(raw(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(refused.has("X-Content-Type-Options: nosniff")) << refused.head;
}

TEST_F(http_server, keeps_plus_in_the_path_and_leaves_absent_headers_empty) {
  start();
  auto c = client();
  EXPECT_EQ(c.get("/a+b/%2B?x=1+%2B+1").status, 200);
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/a+b/+");
  EXPECT_EQ(seen[0].query.at("x"), "1 + 1");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(seen[0].authorization, "");
  EXPECT_EQ(seen[0].content_type, "");
}

TEST_F(http_server, serves_several_requests_on_one_kept_alive_connection) {
  start();
  auto c = client();
  for (int i = 0; i < 3; ++i) {
    const auto r = c.post("/tickets", R"({"n":)" + std::to_string(i) + "}");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.count("connection") ? r.headers.at("connection") : "", "");
  }
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].remote, seen[0].remote); // same client port: same connection
  EXPECT_EQ(seen[2].remote, seen[0].remote);
  EXPECT_EQ(seen[2].body, R"({"n":2})");
}

TEST_F(http_server, serves_pipelined_requests_in_order) {
  start();
  auto conn = raw();
  conn.send("GET /one HTTP/1.1\r\nHost: t\r\n\r\n"
            "GET /two HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto all = conn.read_until_closed();
  EXPECT_TRUE(conn.closed());
  EXPECT_EQ(all.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << all;
  EXPECT_NE(all.find("HTTP/1.1 200 OK\r\n", 10), std::string::npos) << all;
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].path, "/one");
  EXPECT_EQ(seen[1].path, "/two");
}

TEST_F(http_server, passes_the_handlers_status_and_extra_headers) {
  start();
  auto c = client();
  const auto r = c.get("/retry");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.at("retry-after"), "5");
  EXPECT_EQ(error_of(r).at("code"), "busy");
}

TEST_F(http_server, answers_a_body_over_the_limit_with_413) {
  http::server_options opts;
  opts.body_limit = 1024;
  start(opts);
  auto c = client();
  EXPECT_EQ(c.post("/at-limit", std::string(1024, 'x')).status, 200);

  const auto r = c.post("/over-limit", std::string(1025, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers.at("server"), "hotlined");
  EXPECT_EQ(r.headers.at("connection"), "close");
  const auto error = error_of(r);
  EXPECT_EQ(error.at("code"), "payload_too_large");
  EXPECT_TRUE(error.at("field").is_null());
  EXPECT_FALSE(error.at("message").get<std::string>().empty());

  EXPECT_EQ(c.get("/after").status, 200); // reconnects
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].path, "/at-limit");
  EXPECT_EQ(seen[1].path, "/after");
}

TEST_F(http_server, answers_a_chunked_body_over_the_limit_with_413) {
  http::server_options opts;
  opts.body_limit = 1024;
  start(opts);
  auto conn = raw();
  conn.send("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            "400\r\n"
            + std::string(1024, 'a')
            + "\r\n"
              "10\r\n"
            + std::string(16, 'b') + "\r\n0\r\n\r\n");
  const auto reply = conn.read_until_closed();
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 ", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"("code":"payload_too_large")"), std::string::npos) << reply;
  EXPECT_TRUE(conn.closed());
  EXPECT_TRUE(seen().empty());
}

TEST_F(http_server, answers_a_throwing_handler_with_500_and_keeps_serving) {
  start();
  auto c = client();
  const auto r = c.get("/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, internal_error_body);
  EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");

  EXPECT_EQ(c.get("/fine").status, 200);
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].remote, seen[0].remote); // the connection survived
}

TEST_F(http_server, answers_an_invalid_handler_response_with_500) {
  start();
  auto c = client();
  const auto r = c.get("/bad-header");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, internal_error_body);
  EXPECT_EQ(r.headers.count("injected"), 0u);
  EXPECT_EQ(r.headers.count("x-note"), 0u);
}

TEST_F(http_server, answers_malformed_percent_encoding_with_400_naming_the_field) {
  start();
  auto c = client();
  const struct {
    const char* target;
    const char* field;
    const char* code;
  } cases[] = {
      {"/tickets/%zz", "path", "bad_path"},
      {"/tickets/%4", "path", "bad_path"},
      {"/tickets/%", "path", "bad_path"},
      {"/tickets/%C3%28", "path", "bad_path"},              // invalid UTF-8
      {"/tickets?district=%E6%B8", "query", "bad_request"}, // truncated 渝
      {"/tickets?district=%G0", "query", "bad_request"},
      {"/tickets?district%=1", "query", "bad_request"},
      {"/tickets?x=%FF", "query", "bad_request"},
  };
  for (const auto& tc : cases) {
    const auto r = c.get(tc.target);
    EXPECT_EQ(r.status, 400) << tc.target;
    EXPECT_EQ(r.headers.at("connection"), "close") << tc.target;
    const auto error = error_of(r);
    EXPECT_EQ(error.at("code"), tc.code) << tc.target;
    EXPECT_EQ(error.at("field"), tc.field) << tc.target;
    EXPECT_FALSE(error.at("message").get<std::string>().empty());
  }
  EXPECT_TRUE(seen().empty());
  EXPECT_EQ(c.get("/fine").status, 200);
}

TEST_F(http_server, answers_raw_garbage_with_400_and_closes) {
  start();
  const char tls_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n";
  for (const std::string& garbage :
       {std::string(tls_hello, sizeof tls_hello - 1), std::string("GARBAGE\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost t\r\n\r\n"), std::string("GET /\x01 HTTP/1.1\r\n\r\n"),
        std::string("GET / HTTP/2.0\r\n\r\n")}) {
    auto conn = raw();
    conn.send(garbage);
    const auto reply = conn.read_until_closed();
    EXPECT_TRUE(conn.closed()) << garbage;
    EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply;
    EXPECT_NE(reply.find("Server: hotlined\r\n"), std::string::npos) << reply;
    const auto body = json::parse(reply.substr(reply.find("\r\n\r\n") + 4));
    EXPECT_EQ(body.at("error").at("code"), "bad_request");
    EXPECT_TRUE(body.at("error").at("field").is_null());
  }
  EXPECT_TRUE(seen().empty());
}

TEST_F(http_server, answers_expect_100_continue_and_honours_connection_close) {
  start();
  auto conn = raw();
  conn.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(conn.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  conn.send("hello");
  const auto reply = conn.read_until_closed();
  EXPECT_TRUE(conn.closed());
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "hello");
}

TEST_F(http_server, closes_an_idle_connection_after_the_read_timeout) {
  http::server_options opts;
  opts.read_timeout = 1s;
  start(opts);
  auto conn = raw();
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(conn.read_until_closed(5s), "");
  EXPECT_TRUE(conn.closed());
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
}

TEST_F(http_server, serves_other_connections_while_one_io_thread_waits_for_a_late_answer) {
  http::server_options opts;
  opts.threads = 1; // a handler that blocked it would stop every connection
  start(opts);
  auto late = std::async(std::launch::async, [port = server_->port()] {
    http_client c("127.0.0.1", port);
    c.set_timeout(5s);
    return c.get("/park");
  });
  ASSERT_TRUE(wait_for_requests(1)); // the handler returned without answering
  for (int i = 0; i < 3; ++i) {
    auto c = client();
    c.set_timeout(2s);
    EXPECT_EQ(c.get("/meanwhile").status, 200);
  }
  EXPECT_EQ(late.wait_for(0s), std::future_status::timeout);

  std::thread answerer([done = parked(0)] {
    std::this_thread::sleep_for(50ms); // answer later, from a thread of our own
    done(http::response{202, "text/plain", "late", {}});
  });
  ASSERT_EQ(late.wait_for(5s), std::future_status::ready);
  answerer.join();
  const auto r = late.get();
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "late");
}

TEST_F(http_server, answers_500_when_the_handler_drops_its_responder) {
  start();
  auto c = client();
  c.set_timeout(2s);
  const auto r = c.get("/drop");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, internal_error_body);
  EXPECT_EQ(c.get("/after").status, 200); // the connection is kept
}

TEST_F(http_server, sends_only_the_first_answer) {
  start();
  auto c = client();
  const auto first = c.get("/twice");
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(first.body, "first");
  const auto next = c.get("/next"); // not the stale second answer
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, R"({"ok":true})");
}

TEST(http_responder, passes_on_the_first_answer_only_and_a_500_when_dropped_unanswered) {
  std::vector<int> delivered;
  {
    http::responder done([&](http::response r) { delivered.push_back(r.status); });
    const auto copy = done;
    copy(http::response{204, "", "", {}});
    done(http::response{201, "", "", {}});
    EXPECT_TRUE(done.answered());
  }
  EXPECT_EQ(delivered, std::vector<int>{204});
  delivered.clear();
  std::string body;
  {
    http::responder dropped(
        [&](http::response r) {
          delivered.push_back(r.status);
          body = r.body;
        },
        "GET /test");
    const auto copy = dropped; // the 500 waits for the last copy
  }
  EXPECT_EQ(delivered, std::vector<int>{500});
  EXPECT_EQ(body, internal_error_body);
}

TEST_F(http_server, ignores_answers_after_the_client_left_or_the_server_stopped) {
  start();
  {
    auto conn = raw();
    conn.send("GET /park HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(wait_for_requests(1));
  } // the client leaves
  {
    auto conn = raw();
    conn.send("GET /park HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(wait_for_requests(2));
  }
  const auto after_close = parked(0);
  const auto after_stop = parked(1);
  EXPECT_FALSE(after_close.answered());
  after_close(http::response{}); // nothing to send to: no effect, no crash
  EXPECT_TRUE(after_close.answered());
  EXPECT_EQ(client().get("/still-serving").status, 200);
  server_.reset(); // stops and destroys the server
  after_stop(http::response{});
  parked_.clear(); // the last copies die: the 500 goes nowhere either
}

TEST_F(http_server, stop_closes_open_connections_and_is_idempotent) {
  start();
  auto c = client();
  EXPECT_EQ(c.get("/").status, 200); // leaves a kept-alive connection open
  auto conn = raw();

  const auto begin = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s); // not the 30 s read timeout
  server_->stop();
  EXPECT_EQ(conn.read_until_closed(2s), "");
  EXPECT_TRUE(conn.closed());

  EXPECT_THROW(c.get("/"), std::runtime_error); // reconnect is refused
  EXPECT_THROW(client().get("/"), std::runtime_error);
  server_.reset();
}

TEST_F(http_server, refuses_to_start_twice) {
  start();
  EXPECT_THROW(server_->start(), std::logic_error);
}

TEST_F(http_server, throws_a_clear_message_when_the_port_is_taken) {
  start();
  const auto port = server_->port();
  ASSERT_NE(port, 0);
  http::server_options opts;
  opts.port = port;
  http::server second(opts, [](http::request, http::responder done) { done(http::response{}); });
  try {
    second.start();
    FAIL() << "start() on a taken port did not throw";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
  }
  second.stop();
  EXPECT_EQ(client().get("/").status, 200); // the first server is unharmed
}

// --- limits against exhausting the server ------------------------------------------------

TEST_F(http_server, refuses_a_client_over_its_connection_cap_without_stalling_other_clients) {
  http::server_options opts;
  opts.max_connections_per_client = 8;
  start(opts);
  std::vector<std::unique_ptr<raw_connection>> hog; // one client, 25 times over its cap
  for (int i = 0; i < 200; ++i)
    hog.push_back(std::make_unique<raw_connection>(server_->port(), "127.0.0.2"));

  auto other = raw("127.0.0.3");
  const auto begin = std::chrono::steady_clock::now();
  other.send("GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto reply = parse_reply(other.read_until(R"({"ok":true})", 2s));
  EXPECT_EQ(reply.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);

  std::size_t refused = 0;
  for (std::size_t i = 8; i < hog.size(); ++i) {
    const auto r = parse_reply(hog[i]->read_until_closed(2s));
    EXPECT_TRUE(hog[i]->closed()) << i;
    if (r.status != 503)
      continue;
    ++refused;
    EXPECT_EQ(r.body.at("error").at("code"), "too_many_connections");
    EXPECT_TRUE(r.has("Connection: close")) << r.head;
    EXPECT_TRUE(r.has("Retry-After: 1")) << r.head;
  }
  EXPECT_EQ(refused, 192u);
  for (std::size_t i = 0; i < 8; ++i) // the admitted ones are left alone
    EXPECT_EQ(hog[i]->read_until_closed(10ms), "") << i;
  EXPECT_FALSE(hog[0]->closed());
  const auto stats = server_->stats();
  EXPECT_EQ(stats.refused_connections, 192u);
  EXPECT_EQ(stats.refused_per_client, 192u);
  EXPECT_EQ(stats.open_connections, 9u); // 8 + the other client
}

TEST_F(http_server, refuses_connections_over_the_global_cap_until_one_closes) {
  http::server_options opts;
  opts.max_connections = 3;
  start(opts);
  auto a = std::make_unique<raw_connection>(server_->port(), "127.0.0.2");
  auto b = raw("127.0.0.3");
  auto c = raw("127.0.0.4");
  const auto refused = exchange(raw("127.0.0.5"), "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body.at("error").at("code"), "too_many_connections");
  EXPECT_EQ(server_->stats().refused_connections, 1u);
  EXPECT_EQ(server_->stats().refused_per_client, 0u);
  EXPECT_EQ(server_->stats().max_connections, 3u);

  a.reset(); // frees a slot once the server has seen the close
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (server_->stats().open_connections > 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  auto c2 = client();
  c2.set_timeout(2s);
  EXPECT_EQ(c2.get("/admitted").status, 200);
}

TEST_F(http_server, drops_a_client_that_sends_its_head_byte_by_byte_after_the_header_timeout) {
  http::server_options opts;
  opts.header_timeout = 1s; // read_timeout stays 30 s: the head deadline must cut
  start(opts);
  auto conn = raw();
  const std::string head = "GET / HTTP/1.1\r\nHost: t\r\nX-Padding: " + std::string(100, 'a');
  const auto begin = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < head.size() && !conn.closed(); ++i) {
    try {
      conn.send(head.substr(i, 1));
    } catch (const std::runtime_error&) {
      break; // reset by the server
    }
    conn.read_until_closed(50ms); // one byte every 50 ms, watching for the close
    if (std::chrono::steady_clock::now() - begin > 3s)
      break;
  }
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_TRUE(conn.closed());
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 2500ms);
  EXPECT_TRUE(seen().empty());
}

TEST_F(http_server, closes_an_idle_kept_alive_connection_after_the_header_timeout) {
  http::server_options opts;
  opts.header_timeout = 1s;
  start(opts);
  auto conn = raw();
  conn.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(parse_reply(conn.read_until(R"({"ok":true})")).status, 200);
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(conn.read_until_closed(3s), "");
  EXPECT_TRUE(conn.closed());
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
}

TEST_F(http_server, drops_a_client_whose_body_trickles_past_the_read_timeout) {
  http::server_options opts;
  opts.header_timeout = 1s;
  opts.read_timeout = 2s;
  start(opts);
  auto conn = raw();
  const auto begin = std::chrono::steady_clock::now();
  conn.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
  while (!conn.closed() && std::chrono::steady_clock::now() - begin < 4s) {
    try {
      conn.send("x");
    } catch (const std::runtime_error&) {
      break;
    }
    conn.read_until_closed(100ms);
  }
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_GE(elapsed, 1900ms);
  EXPECT_LT(elapsed, 3500ms);
  EXPECT_TRUE(seen().empty());
}

TEST_F(http_server, keeps_serving_open_connections_and_recovers_when_out_of_descriptors) {
  http::server_options opts;
  opts.max_connections_per_client = 1000; // let the flood reach the descriptor limit
  start(opts);
  auto kept = raw();
  kept.send("GET /before HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_EQ(parse_reply(kept.read_until(R"({"ok":true})")).status, 200);

  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  int highest = 0; // descriptors are numbered from 0; the limit caps the number
  for (int fd = 0; fd < 4096; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1)
      highest = fd;
  }
  rlimit tight = original;
  tight.rlim_cur = static_cast<rlim_t>(highest + 40);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::vector<std::unique_ptr<raw_connection>> flood;
  try {
    for (int i = 0; i < 1000; ++i) // client and server share the 40 descriptors
      flood.push_back(std::make_unique<raw_connection>(server_->port(), "127.0.0.2"));
  } catch (const std::runtime_error&) {
    // out of descriptors on our side too
  }
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (server_->stats().accept_errors == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_GT(server_->stats().accept_errors, 0u);

  kept.send("GET /during HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(parse_reply(kept.read_until(R"({"ok":true})", 2s)).status, 200);

  flood.clear();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);
  auto c = client();
  c.set_timeout(2s);
  EXPECT_EQ(c.get("/after").status, 200);
}

// --- HTTP conformance ------------------------------------------------------------------------

/// Expects `status`, `code`, Connection: close and that the handler was not called.
#define EXPECT_REFUSED(reply, status_, code_)                                                      \
  do {                                                                                             \
    const auto& r_ = (reply);                                                                      \
    EXPECT_EQ(r_.status, status_) << r_.head;                                                      \
    EXPECT_EQ(r_.body.value("/error/code"_json_pointer, std::string{}), code_) << r_.head;         \
    EXPECT_TRUE(r_.has("Connection: close")) << r_.head;                                           \
  } while (false)

TEST_F(http_server, requires_exactly_one_valid_host_in_http_1_1) {
  start(); // RFC 9112 §3.2
  EXPECT_REFUSED(exchange(raw(), "GET / HTTP/1.1\r\n\r\n"), 400, "missing_host");
  EXPECT_REFUSED(exchange(raw(), "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "bad_host");
  EXPECT_REFUSED(exchange(raw(), "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"), 400, "bad_host");
  EXPECT_REFUSED(exchange(raw(), "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"), 400, "bad_host");
  EXPECT_REFUSED(exchange(raw(), "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "bad_host");
  EXPECT_TRUE(seen().empty());

  EXPECT_EQ(exchange(raw(), "GET /ten HTTP/1.0\r\n\r\n").status, 200); // optional in 1.0
  EXPECT_EQ(exchange(raw(), "GET /empty HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n").status,
            200);
  EXPECT_EQ(seen().size(), 2u);
}

TEST_F(http_server, refuses_ambiguous_framing_that_could_smuggle_a_request) {
  start(); // RFC 9112 §6.1 and §6.3
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";
  const std::string chunk = "0\r\n\r\n";
  for (const char* head : {
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n",
           "Content-Length: 5\r\nContent-Length: 6\r\n",
           "Content-Length: 5, 6\r\n",
           "Content-Length: abc\r\n",
           "Transfer-Encoding: xchunked\r\n",      // chunked not final: §6.3 (4)
           "Transfer-Encoding: chunked, gzip\r\n", // idem
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: ,\r\n",
       }) {
    const auto reply = exchange(raw(), "POST /p HTTP/1.1\r\nHost: t\r\n" + std::string(head)
                                           + "\r\n" + chunk + smuggled);
    EXPECT_REFUSED(reply, 400, "bad_framing");
  }
  EXPECT_REFUSED(exchange(raw(), "POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk),
                 400, "bad_framing"); // §6.1: faulty framing in HTTP/1.0
  // §6.1: a coding we do not implement, with sound framing, is a 501.
  EXPECT_REFUSED(exchange(raw(), "POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked"
                                 "\r\n\r\n"
                                     + chunk),
                 501, "unsupported_transfer_coding");
  EXPECT_TRUE(seen().empty());

  const auto chunked = exchange(raw(), "POST /ok HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked"
                                       "\r\nConnection: close\r\n\r\n5\r\nhello\r\n"
                                           + chunk);
  EXPECT_EQ(chunked.status, 200);
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].body, "hello");
}

TEST_F(http_server, refuses_targets_that_could_split_or_join_path_segments) {
  start();
  for (const char* target :
       {"/a%2Fb", "/a%2fb", "/a%00b", "/a%zzb", "/a%2", "http://example.com/a", "*", "a/b"}) {
    const auto reply
        = exchange(raw(), std::string("GET ") + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
    EXPECT_REFUSED(reply, 400, "bad_path");
    EXPECT_EQ(reply.body.value("/error/field"_json_pointer, std::string{}), "path") << target;
  }
  EXPECT_TRUE(seen().empty());
  auto c = client();
  EXPECT_EQ(c.get("/a%2Bb/%41").status, 200); // other escapes decode as before
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].path, "/a+b/A");
}

TEST_F(http_server, hands_methods_case_sensitively_and_unknown_ones_to_the_handler) {
  start();
  for (const char* method : {"get", "Get", "PURGE", "GET"}) {
    const auto reply = exchange(raw(), std::string(method)
                                           + " /m HTTP/1.1\r\nHost: t\r\n"
                                             "Connection: close\r\n\r\n");
    EXPECT_EQ(reply.status, 200) << method;
  }
  const auto seen = this->seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "get");
  EXPECT_EQ(seen[1].method, "Get");
  EXPECT_EQ(seen[2].method, "PURGE");
  EXPECT_EQ(seen[3].method, "GET");
}
