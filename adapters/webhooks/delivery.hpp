#pragma once
// One webhook delivery (issue 10): the receiver's URL, the signature, the
// retry schedule and the HTTP POST itself (Boost.Beast, plain TCP or TLS
// through OpenSSL). No Redis and no threads of its own: the engine
// (engine.hpp) decides what to send and when.
//
// This header includes no Boost headers.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotline::webhooks {

/// A receiver's address, from an absolute http:// or https:// URL.
struct target {
  bool tls = false;
  std::string host; // as written, without brackets for IPv6
  std::string port; // "80" / "443" unless given
  std::string path; // path and query, at least "/"
  /// The Host header: host[:port] as in the URL.
  std::string host_header;
};

/// Parses `url`: scheme http or https (any case), a host, an optional port
/// (1–65535), no user info and no fragment, no spaces or control
/// characters, at most 2,048 bytes. On refusal returns nullopt and says why
/// in `why` (for the API's error message).
std::optional<target> parse_url(std::string_view url, std::string* why = nullptr);

/// The X-Hotline-Signature value of `body` under `secret`:
/// "sha256=" + the lowercase hex HMAC-SHA256 of the raw body.
std::string signature(std::string_view secret, std::string_view body);

/// The wait before try `attempt + 1` after `attempt` failed tries (attempt
/// ≥ 1): base · 2^(attempt-1), at most `cap`.
std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base,
                                  std::chrono::milliseconds cap);

/// What a delivery came to: the receiver's status (0 if none arrived) or
/// the transport error (connect refused, timeout, TLS …).
struct post_result {
  int status = 0;
  std::string error;
  bool ok() const { return status >= 200 && status < 300; }
  /// For logs and dead letters: "HTTP 500" or the error.
  std::string describe() const;
};

/// How a delivery is made.
struct post_options {
  /// For the whole exchange: resolve, connect, TLS, send, status line.
  std::chrono::milliseconds timeout{5000};
  /// TLS: a PEM file of CAs to trust besides the system's ("" none).
  std::string ca_file;
  /// Checked every few ms: a set flag abandons the delivery (shutdown).
  const std::atomic<bool>* stop = nullptr;
};

/// POSTs `body` to `t` with `headers` (besides Host, Content-Type:
/// application/json, Content-Length, User-Agent, Connection: close) on a
/// fresh connection, and waits for the status line, at most the timeout.
/// TLS verifies the peer's certificate chain and host name. Never throws.
post_result post(const target& t, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, const post_options& opts);

} // namespace hotline::webhooks
