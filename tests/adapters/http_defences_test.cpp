// The HTTP server's defences (issue 9): connection caps, head and body
// deadlines, running out of descriptors, and the RFC 9112 checks against
// request smuggling and path confusion.
#include "tests/adapters/http_server_support.hpp"

using namespace hotline::test::http_server_support;
using namespace std::chrono_literals;

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
  eventually([&] { return server_->stats().open_connections <= 2; }, 2s);
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
  eventually([&] { return server_->stats().accept_errors > 0; }, 2s);
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
