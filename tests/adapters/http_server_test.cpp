// The HTTP server's contract: requests as the handler sees them, answers,
// keep-alive and pipelining, the asynchronous responder, start and stop.
#include "tests/adapters/http_server_support.hpp"

using namespace hotline::test::http_server_support;
using namespace std::chrono_literals;

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

// Issue 16: a cached answer's bytes are shared, not copied, per request; the
// client gets them whole with their length, again and again on one
// connection, and a response with both bodies, or a body on 204, is a 500.
TEST_F(http_server, sends_a_shared_body_whole_and_refuses_it_with_another_body) {
  start();
  auto c = client();
  const std::string expected = std::string(100000, 'x') + "end";
  for (int i = 0; i < 3; ++i) {
    const auto r = c.get("/shared");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, expected);
    EXPECT_EQ(r.headers.at("content-length"), std::to_string(expected.size()));
    EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  }
  const auto both = c.get("/shared-and-body");
  EXPECT_EQ(both.status, 500);
  EXPECT_EQ(both.body, internal_error_body);
  const auto no_content = c.get("/shared-204");
  EXPECT_EQ(no_content.status, 500);
  EXPECT_EQ(c.get("/").body, R"({"ok":true})"); // the connection still serves
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
    // Answered later (the request above is known to be pending), from a
    // thread of our own.
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
