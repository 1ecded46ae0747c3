#pragma once

/// \file
/// Turns the bytes a client sends into `request`s: the Beast parser plus every
/// check the server makes before a request reaches the handler (framing, Host,
/// request target). The server feeds each connection's bytes through one
/// `request_reader`; the fuzzer (fuzz/http_request_fuzz.cpp) feeds arbitrary
/// bytes through the very same code.
///
/// This header deliberately includes no Boost headers.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/server.hpp"

namespace hotline::http {

/// Why a request is refused before it reaches the handler.
struct parse_error {
  /// HTTP status to answer with; 0 means "close without an answer" (the
  /// client went away in the middle of a request).
  int status = 0;
  /// Stable error code for the JSON body ("bad_request", "bad_framing", …).
  std::string code;
  std::string message;
  /// The offending part of the request ("path", "query"), if any.
  std::optional<std::string> field;
};

/// Decodes application/x-www-form-urlencoded `text` (a query, or a form
/// body as Open311 clients post it): the pairs in order, repeats kept, '+'
/// as space. Returns why it cannot ("malformed percent-encoding", "not
/// valid UTF-8"), or nullopt when `out` holds the pairs.
std::optional<std::string> parse_urlencoded(std::string_view text,
                                            std::vector<std::pair<std::string, std::string>>& out);

/// Size limits applied while parsing.
struct parse_limits {
  /// Largest request line plus headers; larger heads get a 431.
  std::size_t header_limit = 16 * 1024;
  /// Largest body; larger bodies get a 413.
  std::size_t body_limit = 1 << 20;
};

/// The requests of one connection, parsed incrementally and in order.
///
/// Usage: `append()` what arrived, then call `advance()` until it asks for
/// more. After `complete`, `take()` the request and call `next()` before
/// parsing the following (possibly already buffered, pipelined) request.
/// After `failed` the connection must be closed after answering `error()`:
/// the framing of anything that follows cannot be trusted.
class request_reader {
 public:
  enum class progress {
    need_more, ///< append more bytes (or call `finish()` at end of stream)
    head,      ///< the head was just completed and validated; reported once
    complete,  ///< a whole request is ready for `take()`
    failed,    ///< see `error()`
    closed,    ///< the peer ended the stream between requests
  };

  explicit request_reader(parse_limits limits = {});
  ~request_reader();
  request_reader(request_reader&&) noexcept;
  request_reader& operator=(request_reader&&) noexcept;

  /// Buffers bytes received from the peer.
  void append(std::string_view bytes);
  /// Parses as far as the buffered bytes allow.
  progress advance();
  /// The peer closed its side: `closed` between requests, else `failed`
  /// with status 0.
  progress finish();
  /// Starts the next request; bytes already buffered are kept.
  void next();

  /// Valid after `failed`.
  const parse_error& error() const;
  /// After `head`: the client waits for "100 Continue" before sending the body.
  bool expects_continue() const;
  /// After `head`: whether the connection may be kept open afterwards.
  bool keep_alive() const;
  /// HTTP version as Beast counts it: 10 or 11 (11 before the head).
  unsigned version() const;
  /// Method and raw path for logs ("-" while unknown).
  std::string log_method() const;
  std::string log_path() const;
  /// After `complete`: the request (remote fields left empty).
  request take();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// `{"error":{"code":…,"message":…,"field":…|null}}`
std::string error_json(std::string_view code, std::string_view message,
                       const std::optional<std::string>& field = std::nullopt);

/// A response carrying `error_json`.
response error_response(int status, std::string_view code, std::string_view message,
                        const std::optional<std::string>& field = std::nullopt);

} // namespace hotline::http
