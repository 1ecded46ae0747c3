#pragma once
// A webhook receiver for tests: a real HTTP server (the project's own
// Beast server, on a free loopback port) that records every delivery,
// checks its signature with OpenSSL's HMAC directly, and answers as the
// test says: a status, or no answer at all (a receiver that hangs).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace hotline::test {

/// One try as the receiver saw it.
struct webhook_try {
  std::string id;        // X-Hotline-Event-Id
  std::string event;     // X-Hotline-Event
  std::string signature; // X-Hotline-Signature
  std::string content_type;
  std::string body;
  bool signature_ok = false;
  int status = 0; // what the receiver answered; 0: no answer
};

class webhook_receiver {
 public:
  /// How to answer the n-th try (0-based) of all: a status, or 0 to hold
  /// the answer until the receiver stops (the sender times out).
  using policy = std::function<int(std::size_t n, const webhook_try& t)>;

  /// `secret`: what signatures are checked with. Answers 200 until told.
  explicit webhook_receiver(std::string secret);
  ~webhook_receiver();
  webhook_receiver(const webhook_receiver&) = delete;
  webhook_receiver& operator=(const webhook_receiver&) = delete;

  std::uint16_t port() const;
  /// http://127.0.0.1:PORT/hook
  std::string url() const;
  void answer_with(policy p);

  /// Every try so far, in the order they arrived.
  std::vector<webhook_try> tries() const;
  /// The event ids answered 2xx, in order (with repeats, if any).
  std::vector<std::string> accepted() const;
  /// The distinct event ids answered 2xx.
  std::set<std::string> accepted_once() const;
  /// Polls (every 10 ms, at most `limit`) until `done(*this)`; its last value.
  bool wait_for(const std::function<bool(const webhook_receiver&)>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(30)) const;

  /// "sha256=" + lowercase hex HMAC-SHA256 of `body` under `secret`,
  /// computed here with OpenSSL alone (independent of the code under test).
  static std::string expected_signature(const std::string& secret, const std::string& body);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hotline::test
