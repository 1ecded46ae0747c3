#pragma once

/// \file
/// A small, domain-agnostic HTTP/1.1 server on Boost.Beast.
///
/// The server parses requests, enforces limits and timeouts, honours
/// keep-alive and hands every well-formed request to a single asynchronous
/// handler, which answers through a `responder`, possibly later and from
/// another thread. It knows nothing about routes or the hotline domain.
///
/// Defences (each in `server_options`): a global and a per-client-address cap
/// on open connections (more are answered 503 at once and closed), a deadline
/// for the request head and one for the whole request (slow clients are
/// dropped), size limits, and strict framing and target checks (RFC 9112)
/// against request smuggling and path confusion.
///
/// Error responses produced by the server itself always have the shape
/// `{"error":{"code":"…","message":"…","field":null|"…"}}` and close the
/// connection (except a handler's own answers and a dropped responder's 500).
///
/// This header deliberately includes no Boost headers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotline::http {

/// A parsed HTTP request as seen by the handler.
struct request {
  /// Request method as sent ("GET", "POST", …).
  std::string method;
  /// Percent-decoded path without the query ("/api/v1/tickets/20261128-000001").
  /// '+' is not special in the path. Guaranteed to be valid UTF-8, to start
  /// with '/' and to hold no NUL; a '/' always separated segments on the wire
  /// (requests with %2F or %00 are refused before the handler).
  std::string path;
  /// Percent-decoded query parameters ('+' means space). Keys and values are
  /// guaranteed to be valid UTF-8. A key without '=' maps to "". When a key is
  /// repeated, the first occurrence wins.
  std::map<std::string, std::string> query;
  /// Request body (already de-chunked), at most `server_options::body_limit` bytes.
  std::string body;
  /// Raw Authorization header value, "" if absent.
  std::string authorization;
  /// Raw Content-Type header value, "" if absent.
  std::string content_type;
  /// Raw Idempotency-Key header value, "" if absent.
  std::string idempotency_key;
  /// Peer address, "127.0.0.1:54321" or "[::1]:54321".
  std::string remote;
  /// Peer address without the port, "127.0.0.1" or "::1" (no brackets).
  std::string remote_ip;
  /// Every header line in the order received; names lower-cased, values as sent.
  std::vector<std::pair<std::string, std::string>> headers;

  /// The first value of header `lower_name` (matched case-insensitively), "" if absent.
  std::string header(std::string_view lower_name) const;
};

/// The handler's answer.
struct response {
  /// HTTP status; must be within 200–599, anything else is turned into a 500.
  int status = 200;
  /// Content-Type header; omitted when empty.
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  /// Extra headers (e.g. Retry-After). Names must be HTTP tokens and values
  /// must not contain control characters. Content-Length, Transfer-Encoding and
  /// Connection are managed by the server and may not be set here (that is
  /// answered with a 500). Content-Type, Server and X-Content-Type-Options
  /// (default "nosniff") entries replace the defaults.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Instead of `body`: bytes built once and shared by every answer that
  /// sends them (a cached answer, issue 16), written without a copy. Only
  /// one of the two may be non-empty (else a 500).
  std::shared_ptr<const std::string> shared_body{};
};

/// The producer's end of a streamed answer (see `responder::open_stream`),
/// e.g. for Server-Sent Events. Shared by the producer; all calls are safe
/// from any thread, also after the client or the whole server is gone (then
/// they do nothing).
///
/// Chunks are sent in the order the calls reached the connection (calls from
/// one thread keep their order). The stream ends on the first of: `close()`,
/// the last reference dropped (like `close()`), the client disconnecting, the
/// server stopping, or more than `server_options::stream_buffer_limit` bytes
/// queued because the client does not read (a slow consumer is cut off rather
/// than buffered without end). The producer polls `closed()` to learn that it
/// may stop producing.
class stream_writer {
 public:
  virtual ~stream_writer() = default;
  /// Queues `chunk` (sent as one HTTP chunk); an empty chunk is ignored, as
  /// it would end the stream.
  virtual void write(std::string chunk) = 0;
  /// Sends the last chunk after everything queued; the connection then serves
  /// the client's next request, or closes if the client asked for that.
  virtual void close() = 0;
  /// Whether the stream has ended, for any of the reasons above.
  virtual bool closed() const = 0;
  /// Bytes written and not yet sent: a producer with much to send (a
  /// replay) waits while this is high instead of being cut off.
  virtual std::size_t queued() const = 0;
};

/// How a handler answers one request. A copyable handle to shared state.
///
/// The first call sends the answer; later calls are ignored. Calls are safe
/// from any thread, also after the connection or the whole server is gone
/// (then nothing is sent). If every copy is destroyed without a call, the
/// client gets a 500 `internal` error and the fact is logged: a handler can
/// never leave a client hanging (short of keeping a copy forever).
class responder {
 public:
  /// A responder that passes the first answer to `deliver`, or a 500 when all
  /// copies are dropped unanswered (`label` then names it in the log). The
  /// server makes its own; this one serves tests and adapters.
  explicit responder(std::function<void(response)> deliver, std::string label = {});
  /// Like the above, and `open` starts a streamed answer for `open_stream`
  /// (it gets the head, with an empty body). The server makes these.
  responder(std::function<void(response)> deliver,
            std::function<std::shared_ptr<stream_writer>(response)> open, std::string label = {});

  /// Sends `r` unless an answer was sent already.
  void operator()(response r) const;
  /// Answers with a stream instead of one response, unless an answer was sent
  /// already (then the writer returned is closed). The head (`status`,
  /// `content_type` and `headers` as in `response`) is sent at once, with
  /// `Transfer-Encoding: chunked` and `Cache-Control: no-store`; to an
  /// HTTP/1.0 client the chunks go unframed and the connection closes at the
  /// end. While the stream is open the connection's timeouts do not apply,
  /// so a stream may last for hours. An invalid head, 204 or 304 is answered
  /// with a 500 and a closed writer, as is a responder made without `open`.
  std::shared_ptr<stream_writer>
  open_stream(int status, std::string content_type,
              std::vector<std::pair<std::string, std::string>> headers = {}) const;
  /// Whether an answer was sent already.
  bool answered() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

/// The single entry point into the application. Called on an io thread, with
/// one request at a time per connection. It must not block: the io threads
/// are few (`server_options::threads`) and shared by all connections. Answer
/// through `done`, now or later from any thread. If it throws before
/// answering, the client gets a 500 and the exception is logged.
using handler = std::function<void(request, responder)>;

/// Listening and limit settings.
struct server_options {
  /// Address or host name to bind.
  std::string host = "127.0.0.1";
  /// Port to bind; 0 = any free port (see `server::port()`).
  std::uint16_t port = 0;
  /// Number of io threads (at least 1). Handlers run on them and must not block.
  std::size_t threads = 2;
  /// Largest accepted request body in bytes; larger bodies get a 413.
  std::size_t body_limit = 1 << 20;
  /// Time allowed to deliver a complete request head, counted from accept and,
  /// on a kept-alive connection, from the end of the previous response (so it
  /// is also the keep-alive idle time). Slow clients are dropped without answer.
  std::chrono::seconds header_timeout{10};
  /// Time allowed to receive one whole request, head and body, counted like
  /// `header_timeout`; also the time allowed to send one response.
  std::chrono::seconds read_timeout{30};
  /// Open connections at most; 0 = the soft RLIMIT_NOFILE minus 256 descriptors
  /// kept for Redis and files, at most 10,000. Further connections are answered
  /// 503 `too_many_connections` with Retry-After: 1 and closed at once.
  std::size_t max_connections = 0;
  /// Open connections per client IP address at most; further ones are refused
  /// like those over `max_connections`, so one client cannot starve the others.
  std::size_t max_connections_per_client = 64;
  /// Bytes a stream (`responder::open_stream`) may have queued but not yet
  /// sent; past this the client counts as not reading and the stream is cut.
  /// Counted from `write` on, so a producer's burst larger than this is cut
  /// too, however fast the client reads.
  std::size_t stream_buffer_limit = 1 << 20;
};

/// Counters for monitoring; a consistent snapshot is not guaranteed.
struct server_stats {
  /// Connections open now.
  std::size_t open_connections = 0;
  /// The effective `max_connections`.
  std::size_t max_connections = 0;
  /// Connections answered 503 and closed since start, for either cap.
  std::uint64_t refused_connections = 0;
  /// Of those, refused for `max_connections_per_client`.
  std::uint64_t refused_per_client = 0;
  /// accept() failures, e.g. out of file descriptors (EMFILE).
  std::uint64_t accept_errors = 0;
};

/// An asynchronous HTTP/1.1 server with a fixed pool of io threads.
///
/// Each connection serves one request at a time: the next request (also a
/// pipelined one) is read only after the answer to the previous was written,
/// so answers keep the order of requests.
///
/// Thread-safety: `start()`, `stop()` and the destructor must not be called
/// from inside the handler (they wait for the io threads). `stats()` and
/// `port()` may be called from any thread.
class server {
 public:
  /// Prepares a server; nothing is bound until `start()`.
  server(server_options opts, handler h);
  /// Stops the server (see `stop()`).
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and starts the io threads; throws std::runtime_error (with
  /// host:port and the reason) if it cannot bind. A server can be started
  /// only once; a second call throws std::logic_error.
  void start();
  /// Closes the acceptor and all connections, joins threads. Idempotent.
  /// Answers given after this are dropped.
  void stop();
  /// The bound port (after `start()`); 0 before.
  std::uint16_t port() const;
  /// Current counters.
  server_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hotline::http
