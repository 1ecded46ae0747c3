#pragma once

/// \file
/// A small, domain-agnostic HTTP/1.1 server on Boost.Beast.
///
/// The server parses requests, enforces limits and timeouts, honours
/// keep-alive and hands every well-formed request to a single handler
/// function. It knows nothing about routes or the hotline domain.
///
/// Error responses produced by the server itself always have the shape
/// `{"error":{"code":"…","message":"…","field":null|"…"}}`.
///
/// This header deliberately includes no Boost headers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hotline::http {

/// A parsed HTTP request as seen by the handler.
struct request {
  /// Request method as sent ("GET", "POST", …).
  std::string method;
  /// Percent-decoded path without the query ("/api/v1/tickets/20261128-000001").
  /// '+' is not special in the path. Guaranteed to be valid UTF-8.
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
  /// answered with a 500). Content-Type and Server entries replace the defaults.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// The single entry point into the application. Called on an io thread; it
/// may block (each blocked call occupies one io thread) and may throw (the
/// client then gets a 500 and the exception is logged).
using handler = std::function<response(const request&)>;

/// Listening and limit settings.
struct server_options {
  /// Address or host name to bind.
  std::string host = "127.0.0.1";
  /// Port to bind; 0 = any free port (see `server::port()`).
  std::uint16_t port = 0;
  /// Number of io threads (at least 1). Each blocking handler call occupies one.
  std::size_t threads = 2;
  /// Largest accepted request body in bytes; larger bodies get a 413.
  std::size_t body_limit = 1 << 20;
  /// Time allowed to receive one complete request (also the keep-alive idle
  /// time and the time allowed to send one response).
  std::chrono::seconds read_timeout{30};
};

/// An asynchronous HTTP/1.1 server with a fixed pool of io threads.
///
/// Thread-safety: `start()`, `stop()` and the destructor must not be called
/// from inside the handler (they would wait for the handler itself).
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
  /// Waits for handler calls that are in progress to return.
  void stop();
  /// The bound port (after `start()`); 0 before.
  std::uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hotline::http
