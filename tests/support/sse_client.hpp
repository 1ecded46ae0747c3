#pragma once

/// \file
/// A Server-Sent Events client for tests and the benchmark: one GET on a
/// raw socket, the chunked body read as it comes, events parsed as the
/// EventSource specification says (id, event, data lines; comments and
/// retry ignored).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hotline::test {

struct sse_event {
  std::string id;
  std::string event;
  std::string data;
};

class sse_client {
 public:
  /// Connects and sends the request; `last_event_id` adds Last-Event-ID.
  /// Throws std::runtime_error if the server cannot be reached.
  sse_client(const std::string& host, std::uint16_t port, const std::string& target,
             const std::string& bearer, const std::string& last_event_id = "");
  ~sse_client();
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  /// The response status (waits for the head up to `timeout`; 0 if none).
  int status(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next event, or nullopt if none came within `timeout` (or the
  /// stream ended).
  std::optional<sse_event> next(std::chrono::milliseconds timeout);
  /// Every event that arrives within `timeout` of the previous one.
  std::vector<sse_event> drain(std::chrono::milliseconds quiet);
  /// The whole body of an answer that is not a stream (an error), read up
  /// to its Content-Length or for at most `timeout`.
  std::string body(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Comments seen so far (heartbeats), without the leading colon.
  const std::vector<std::string>& comments() const { return comments_; }
  /// The socket, to wait on several clients at once (readable: call next).
  int fd() const { return fd_; }
  /// Closes the connection now.
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point until);
  bool parse_head();
  std::optional<sse_event> take_event();
  int fd_ = -1;
  int status_ = 0;
  bool head_done_ = false;
  bool chunked_ = false;
  std::optional<std::size_t> length_;
  std::string raw_;  // bytes not yet de-chunked
  std::string body_; // de-chunked text not yet parsed into events
  std::vector<std::string> comments_;
};

} // namespace hotline::test
