#pragma once

/// \file
/// A small blocking HTTP/1.1 client for tests and tools (Boost.Beast inside;
/// this header includes no Boost headers).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotline::test {

/// One response.
struct http_result {
  int status = 0;
  std::string body;
  /// Header names are lower-cased; repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
};

/// One keep-alive connection; reconnects if the server closed it.
///
/// Every call throws std::runtime_error when the server cannot be reached or
/// the exchange fails (including when it takes longer than the timeout, 30 s by
/// default). If a reused connection turns out to have been closed by the server
/// before any response byte arrived, the request is sent once more on a fresh
/// connection. Not thread-safe: use one client per thread.
class http_client {
 public:
  /// Does not connect yet; the first request does.
  http_client(std::string host, std::uint16_t port);
  ~http_client();
  http_client(http_client&&) noexcept;
  http_client& operator=(http_client&&) noexcept;

  /// GET `target` ("/path?query", already encoded); `bearer` adds "Authorization: Bearer …".
  http_result get(const std::string& target, const std::string& bearer = "");
  /// POST a JSON body.
  http_result post(const std::string& target, const std::string& json_body,
                   const std::string& bearer = "");
  /// Any method; an empty body is sent without Content-Type. `extra`: more
  /// headers (name, value), e.g. Idempotency-Key.
  http_result request(const std::string& method, const std::string& target, const std::string& body,
                      const std::string& bearer,
                      const std::string& content_type = "application/json",
                      const std::vector<std::pair<std::string, std::string>>& extra = {});

  /// Time allowed for connecting and for each whole exchange.
  void set_timeout(std::chrono::milliseconds timeout);
  /// Closes the connection (the next request reconnects).
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Percent-encodes a query value / path segment (UTF-8 bytes). Only the
/// unreserved characters A–Z a–z 0–9 - . _ ~ are left as they are.
std::string url_encode(std::string_view s);

} // namespace hotline::test
