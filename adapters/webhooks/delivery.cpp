#include "adapters/webhooks/delivery.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "adapters/crypto/crypto.hpp"

namespace hotline::webhooks {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i])
      return false;
  }
  return true;
}

std::optional<target> refuse(std::string* why, const char* reason) {
  if (why)
    *why = reason;
  return std::nullopt;
}

std::string hex(std::string_view raw) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

/// One TLS client context per CA file, shared by every delivery: loading
/// the system's CAs takes milliseconds, and an SSL_CTX is safe to share
/// once set up.
std::shared_ptr<ssl::context> tls_context(const std::string& ca_file) {
  static std::mutex mtx;
  static std::map<std::string, std::shared_ptr<ssl::context>> made;
  std::lock_guard<std::mutex> lock(mtx);
  auto& ctx = made[ca_file];
  if (!ctx) {
    auto fresh = std::make_shared<ssl::context>(ssl::context::tls_client);
    fresh->set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                       | ssl::context::no_tlsv1_1);
    fresh->set_default_verify_paths();
    if (!ca_file.empty())
      fresh->load_verify_file(ca_file);
    fresh->set_verify_mode(ssl::verify_peer);
    ctx = std::move(fresh);
  }
  return ctx;
}

/// Runs `ioc` until `done`, the deadline or a stop; false unless done.
bool run_until(asio::io_context& ioc, const bool& done, steady::time_point deadline,
               const std::atomic<bool>* stop) {
  while (!done) {
    if (stop && stop->load())
      return false;
    const auto now = steady::now();
    if (now >= deadline)
      return false;
    ioc.restart();
    ioc.run_for(std::min<steady::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
  return true;
}

/// The exchange on a connected stream: write the request, read the status.
template <class Stream>
post_result exchange(asio::io_context& ioc, Stream& stream,
                     const bhttp::request<bhttp::string_body>& req, steady::time_point deadline,
                     const std::atomic<bool>* stop) {
  post_result out;
  beast::error_code ec;
  bool done = false;
  bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, done, deadline, stop)) {
    out.error = "timed out sending";
    return out;
  }
  if (ec) {
    out.error = "sending: " + ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  done = false;
  // The status is the answer; the body, if any, is not read.
  bhttp::async_read_header(stream, buffer, parser, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, done, deadline, stop)) {
    out.error = "timed out waiting for the answer";
    return out;
  }
  if (ec) {
    out.error = "reading the answer: " + ec.message();
    return out;
  }
  out.status = static_cast<int>(parser.get().result_int());
  return out;
}

} // namespace

std::optional<target> parse_url(std::string_view url, std::string* why) {
  if (url.size() > 2048)
    return refuse(why, "must be at most 2048 bytes");
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f)
      return refuse(why, "must not contain spaces, control or non-ASCII characters "
                         "(percent-encode them)");
  target t;
  if (starts_with_ci(url, "https://")) {
    t.tls = true;
    url.remove_prefix(8);
  } else if (starts_with_ci(url, "http://")) {
    url.remove_prefix(7);
  } else {
    return refuse(why, "must be an absolute http:// or https:// URL");
  }
  if (url.find('#') != std::string_view::npos)
    return refuse(why, "must not have a fragment");
  const auto end = url.find_first_of("/?");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : url.substr(end);
  if (authority.find('@') != std::string_view::npos)
    return refuse(why, "must not hold a user name or password");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1)
      return refuse(why, "has a malformed IPv6 host");
    t.host = std::string(authority.substr(1, close - 1));
    for (char c : t.host)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'))
        return refuse(why, "has a malformed IPv6 host");
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return refuse(why, "has a malformed IPv6 host");
    if (!after.empty())
      port = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
    for (char c : t.host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
        return refuse(why, "has a malformed host name");
  }
  if (t.host.empty())
    return refuse(why, "must name a host");
  if (authority.find(':') != std::string_view::npos && authority.back() == ':')
    return refuse(why, "has an empty port");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
      return refuse(why, "has a malformed port");
    const auto n = std::stoul(std::string(port));
    if (n < 1 || n > 65535)
      return refuse(why, "has a port out of range");
    t.port = std::to_string(n);
  } else {
    t.port = t.tls ? "443" : "80";
  }
  t.host_header = std::string(authority);
  t.path = rest.empty() ? "/" : rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
  return t;
}

std::string signature(std::string_view secret, std::string_view body) {
  return "sha256=" + hex(crypto::hmac_sha256(secret, body));
}

std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base,
                                  std::chrono::milliseconds cap) {
  if (attempt < 1)
    attempt = 1;
  auto wait = base;
  for (int i = 1; i < attempt && wait < cap; ++i)
    wait *= 2;
  return std::min(wait, cap);
}

std::string post_result::describe() const {
  return status ? "HTTP " + std::to_string(status) : error;
}

post_result post(const target& t, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, const post_options& opts) {
  post_result out;
  try {
    const auto deadline = steady::now() + opts.timeout;
    asio::io_context ioc{1};
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, t.path, 11};
    req.set(bhttp::field::host, t.host_header);
    req.set(bhttp::field::user_agent, "hotline-webhooks/1");
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::connection, "close");
    for (const auto& [name, value] : headers)
      req.set(name, value);
    req.body() = body;
    req.prepare_payload();

    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    beast::error_code ec;
    bool done = false;
    resolver.async_resolve(t.host, t.port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
      done = true;
    });
    if (!run_until(ioc, done, deadline, opts.stop)) {
      resolver.cancel();
      out.error = "timed out resolving " + t.host;
      return out;
    }
    if (ec) {
      out.error = "resolving " + t.host + ": " + ec.message();
      return out;
    }
    auto connect = [&](beast::tcp_stream& s) {
      done = false;
      s.expires_at(deadline);
      s.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
        ec = e;
        done = true;
      });
      if (!run_until(ioc, done, deadline, opts.stop))
        return std::string("timed out connecting");
      if (ec)
        return "connecting: " + ec.message();
      return std::string();
    };
    if (!t.tls) {
      beast::tcp_stream stream(ioc);
      if (auto e = connect(stream); !e.empty()) {
        out.error = e;
        return out;
      }
      out = exchange(ioc, stream, req, deadline, opts.stop);
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      return out;
    }
    auto ctx = tls_context(opts.ca_file);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, *ctx);
    boost::system::error_code not_ip;
    asio::ip::make_address(t.host, not_ip);
    // SNI names a host, never an address (RFC 6066 §3).
    if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str())) {
      out.error = "TLS: cannot set the server name";
      return out;
    }
    stream.set_verify_callback(ssl::host_name_verification(t.host));
    if (auto e = connect(beast::get_lowest_layer(stream)); !e.empty()) {
      out.error = e;
      return out;
    }
    done = false;
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    if (!run_until(ioc, done, deadline, opts.stop)) {
      out.error = "timed out in the TLS handshake";
      return out;
    }
    if (ec) {
      out.error = "TLS handshake: " + ec.message();
      return out;
    }
    return exchange(ioc, stream, req, deadline, opts.stop);
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = e.what();
    return out;
  }
}

} // namespace hotline::webhooks
