#include "tests/support/http_client.hpp"

#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hotline::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t response_body_limit = 64ull * 1024 * 1024;

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// Errors that mean "the server had already closed this kept-alive connection".
bool stale_connection(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof
         || ec == asio::error::connection_reset || ec == asio::error::broken_pipe
         || ec == asio::error::connection_aborted;
}

} // namespace

struct http_client::impl {
  impl(std::string h, std::uint16_t p) : host(std::move(h)), port(p) {}

  std::string where() const { return host + ":" + std::to_string(port); }

  /// Runs the io_context until the pending operation has completed.
  void run() {
    ioc.restart();
    ioc.run();
  }

  void connect() {
    stream.reset();
    buffer.clear();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec)
      throw std::runtime_error("http_client: cannot resolve " + where() + ": " + ec.message());
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      stream.reset();
      throw std::runtime_error("http_client: cannot connect to " + where() + ": " + ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
  }

  /// One request/response exchange on the current connection.
  beast::error_code exchange(const bhttp::request<bhttp::string_body>& req, http_result& out,
                             bool& got_some) {
    got_some = false;
    beast::error_code ec;
    stream->expires_after(timeout);
    bhttp::async_write(*stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec)
      return ec;

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(response_body_limit);
    if (req.method() == bhttp::verb::head)
      parser.skip(true);
    bhttp::async_read(*stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    got_some = parser.got_some();
    if (ec)
      return ec;

    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    out.headers.clear();
    for (const auto& field : res) {
      auto [it, inserted]
          = out.headers.emplace(lower(field.name_string()), std::string(field.value()));
      if (!inserted)
        it->second += ", " + std::string(field.value());
    }
    if (!res.keep_alive())
      close();
    return {};
  }

  void close() {
    if (!stream)
      return;
    beast::error_code ec;
    stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream->close();
    stream.reset();
    buffer.clear();
  }

  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout{30000};
  asio::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

http_client::http_client(std::string host, std::uint16_t port)
    : impl_(std::make_unique<impl>(std::move(host), port)) {}

http_client::~http_client() = default;
http_client::http_client(http_client&&) noexcept = default;
http_client& http_client::operator=(http_client&&) noexcept = default;

http_result http_client::get(const std::string& target, const std::string& bearer) {
  return request("GET", target, "", bearer);
}

http_result http_client::post(const std::string& target, const std::string& json_body,
                              const std::string& bearer) {
  return request("POST", target, json_body, bearer);
}

http_result http_client::request(const std::string& method, const std::string& target,
                                 const std::string& body, const std::string& bearer,
                                 const std::string& content_type,
                                 const std::vector<std::pair<std::string, std::string>>& extra) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, impl_->where());
  req.set(bhttp::field::user_agent, "hotline-test-client");
  if (!bearer.empty())
    req.set(bhttp::field::authorization, "Bearer " + bearer);
  for (const auto& [name, value] : extra)
    req.set(name, value);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();

  http_result out;
  for (int attempt = 0;; ++attempt) {
    const bool reused = impl_->stream.has_value();
    if (!reused)
      impl_->connect();
    bool got_some = false;
    const auto ec = impl_->exchange(req, out, got_some);
    if (!ec)
      return out;
    impl_->close();
    if (reused && attempt == 0 && !got_some && stale_connection(ec))
      continue;
    throw std::runtime_error("http_client: " + method + " " + target + " on " + impl_->where()
                             + " failed: " + ec.message());
  }
}

void http_client::set_timeout(std::chrono::milliseconds timeout) {
  impl_->timeout = timeout;
}

void http_client::close() {
  impl_->close();
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    }
  }
  return out;
}

} // namespace hotline::test
