// Streamed answers (`responder::open_stream`), the foundation for Server-Sent
// Events: chunk framing and order, keep-alive after the stream, a client that
// leaves or does not read, and streams that outlive the request timeouts.
#include "tests/adapters/http_server_support.hpp"

#include <optional>

using namespace hotline::test::http_server_support;
using namespace std::chrono_literals;

namespace {

/// The payloads of a chunked body that ends with the last chunk, or nothing
/// if the framing is wrong or incomplete.
std::optional<std::string> dechunk(std::string_view body) {
  std::string out;
  for (;;) {
    const auto eol = body.find("\r\n");
    if (eol == std::string_view::npos || eol == 0)
      return std::nullopt;
    std::size_t size = 0;
    for (char c : body.substr(0, eol)) {
      const auto digit = std::string_view{"0123456789abcdef"}.find(c);
      if (digit == std::string_view::npos)
        return std::nullopt;
      size = size * 16 + digit;
    }
    body.remove_prefix(eol + 2);
    if (size == 0)
      return body == "\r\n" ? std::optional<std::string>(out) : std::nullopt;
    if (body.size() < size + 2 || body.substr(size, 2) != "\r\n")
      return std::nullopt;
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

const std::string stream_request = "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n";

/// A server whose /stream opens a stream and hands the writer to the test;
/// every other path answers "ok" at once.
class http_stream : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_)
      server_->stop();
  }

  void start(http::server_options opts = {}) {
    server_ = std::make_unique<http::server>(
        std::move(opts), [this](http::request r, http::responder done) {
          if (r.path != "/stream")
            return done(http::response{200, "text/plain", "ok", {}});
          auto writer = done.open_stream(200, "text/event-stream", {{"X-Stream", "yes"}});
          {
            std::lock_guard<std::mutex> lock(mutex_);
            writers_.push_back(std::move(writer));
          }
          cv_.notify_all();
        });
    server_->start();
  }

  /// The writer of the `i`th stream, once its handler ran (at most 5 s).
  std::shared_ptr<http::stream_writer> writer(std::size_t i) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, 5s, [&] { return writers_.size() > i; }))
      throw std::runtime_error("no stream opened");
    return writers_[i];
  }

  /// Forgets the writers kept by the fixture, so that the test holds the last reference.
  void forget_writers() {
    std::lock_guard<std::mutex> lock(mutex_);
    writers_.clear();
  }

  raw_connection raw() const { return raw_connection(server_->port()); }

  std::unique_ptr<http::server> server_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<http::stream_writer>> writers_;
};

TEST_F(http_stream, sends_chunks_written_from_another_thread_in_order_and_chunk_framed) {
  start();
  auto conn = raw();
  conn.send(stream_request);
  const auto w = writer(0);
  const auto head = conn.read_until("\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-store\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Stream: yes\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;

  std::string expected;
  for (int i = 0; i < 200; ++i)
    expected += "data: event " + std::to_string(i) + "\n\n";
  std::thread producer([w] {
    for (int i = 0; i < 200; ++i)
      w->write("data: event " + std::to_string(i) + "\n\n");
    w->write(""); // ignored: it would end the stream
    w->close();
  });
  producer.join();
  EXPECT_TRUE(w->closed());
  const auto body = conn.read_until("\r\n0\r\n\r\n");
  const auto payload = dechunk(body);
  ASSERT_TRUE(payload.has_value()) << body;
  EXPECT_EQ(*payload, expected);
}

TEST_F(http_stream, serves_the_next_request_on_the_same_connection_after_close) {
  start();
  auto conn = raw();
  // The second request is pipelined: it arrives while the stream is open.
  conn.send(stream_request + "GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto w = writer(0);
  w->write("one");
  w->close();
  const auto first = conn.read_until("\r\n0\r\n\r\n");
  const auto cut = first.find("\r\n\r\n");
  ASSERT_NE(cut, std::string::npos) << first;
  EXPECT_EQ(dechunk(std::string_view(first).substr(cut + 4)), std::optional<std::string>("one"));
  const auto second = conn.read_until_closed(5s);
  EXPECT_EQ(second.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << second;
  EXPECT_NE(second.find("\r\n\r\nok"), std::string::npos) << second;
  EXPECT_TRUE(conn.closed());
}

TEST_F(http_stream, ends_the_stream_cleanly_when_the_last_writer_reference_is_dropped) {
  start();
  auto conn = raw();
  conn.send(stream_request);
  {
    auto w = writer(0);
    w->write("last words");
    forget_writers();
  }
  const auto reply = conn.read_until("\r\n0\r\n\r\n");
  const auto cut = reply.find("\r\n\r\n");
  ASSERT_NE(cut, std::string::npos) << reply;
  EXPECT_EQ(dechunk(std::string_view(reply).substr(cut + 4)),
            std::optional<std::string>("last words"));
  // Kept alive: a second request on the same connection is served.
  conn.send("GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(conn.read_until("ok").find("200 OK"), std::string::npos);
}

TEST_F(http_stream, tells_the_producer_when_the_client_disconnects) {
  start();
  std::shared_ptr<http::stream_writer> w;
  {
    auto conn = raw();
    conn.send(stream_request);
    w = writer(0);
    w->write("hello");
    EXPECT_NE(conn.read_until("hello").find("hello"), std::string::npos);
    EXPECT_FALSE(w->closed());
  } // the client goes away
  EXPECT_TRUE(eventually([&] { return w->closed(); }));
  w->write("nobody listens"); // harmless
  w->close();
  EXPECT_TRUE(w->closed());
}

TEST_F(http_stream, cuts_a_client_that_does_not_read_past_the_byte_bound) {
  http::server_options opts;
  opts.stream_buffer_limit = 64 * 1024;
  start(opts);
  auto conn = raw();
  conn.send(stream_request);
  const auto w = writer(0);
  // Nobody reads: once the socket buffers are full, chunks pile up on the
  // server until the bound cuts the stream. 256 MiB is far beyond any buffers.
  const std::string chunk(16 * 1024, 'x');
  std::size_t written = 0;
  while (!w->closed() && written < (std::size_t{256} << 20)) {
    w->write(chunk);
    written += chunk.size();
  }
  EXPECT_TRUE(w->closed()) << written << " bytes written";
  conn.read_until_closed(10s);
  EXPECT_TRUE(conn.closed());
}

TEST_F(http_stream, does_not_cut_a_reading_client_that_receives_more_than_the_bound_in_all) {
  http::server_options opts;
  opts.stream_buffer_limit = 64 * 1024;
  start(opts);
  auto conn = raw();
  conn.send(stream_request);
  const auto w = writer(0);
  const std::string filler(4 * 1024, 'y');
  for (int i = 0; i < 256; ++i) { // 1 MiB in all, 16 times the bound
    const auto mark = "#" + std::to_string(i) + ";";
    w->write(filler + mark);
    ASSERT_NE(conn.read_until(mark).find(mark), std::string::npos) << i;
  }
  EXPECT_FALSE(w->closed());
}

TEST_F(http_stream, outlives_the_header_and_read_timeouts) {
  http::server_options opts;
  opts.header_timeout = 1s;
  opts.read_timeout = 1s;
  start(opts);
  auto conn = raw();
  conn.send(stream_request);
  const auto w = writer(0);
  const auto head = conn.read_until("\r\n\r\n");
  ASSERT_NE(head.find("200 OK"), std::string::npos) << head;
  std::string body;
  for (int i = 0; i < 5; ++i) { // 2.5 s in all, well past both timeouts
    std::this_thread::sleep_for(500ms);
    const auto tick = "tick " + std::to_string(i) + "\n";
    w->write(tick);
    body += conn.read_until(tick, 2s);
    ASSERT_FALSE(w->closed()) << "stream ended after " << i << " ticks";
  }
  w->close();
  body += conn.read_until("\r\n0\r\n\r\n");
  EXPECT_EQ(dechunk(body), std::optional<std::string>("tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n"));
  EXPECT_FALSE(conn.closed());
}

TEST_F(http_stream, sends_unframed_bytes_and_closes_at_the_end_for_http_1_0) {
  start();
  auto conn = raw();
  conn.send("GET /stream HTTP/1.0\r\n\r\n");
  const auto w = writer(0);
  w->write("raw ");
  w->write("bytes");
  w->close();
  const auto reply = conn.read_until_closed(5s);
  EXPECT_TRUE(conn.closed());
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << reply;
  EXPECT_EQ(reply.find("Transfer-Encoding"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.substr(reply.find("\r\n\r\n") + 4), "raw bytes");
}

TEST_F(http_stream, ends_the_stream_when_the_server_stops) {
  start();
  auto conn = raw();
  conn.send(stream_request);
  const auto w = writer(0);
  conn.read_until("\r\n\r\n");
  server_->stop();
  EXPECT_TRUE(w->closed());
  w->write("after stop"); // harmless
  w->close();
}

TEST_F(http_stream, gives_a_closed_writer_once_the_request_is_answered) {
  int delivered = 0;
  http::responder done([&](http::response) { ++delivered; });
  done(http::response{});
  const auto w = done.open_stream(200, "text/plain");
  EXPECT_TRUE(w->closed());
  w->write("ignored");
  EXPECT_EQ(delivered, 1);
}

} // namespace
