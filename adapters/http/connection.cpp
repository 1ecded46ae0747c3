#include "adapters/http/connection.hpp"

#include <algorithm>
#include <string_view>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace hotline::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

/// How long a connection that we are closing may keep sending before we cut it.
constexpr std::chrono::seconds linger_timeout{2};
/// How many bytes we discard from a connection that we are closing.
constexpr std::size_t linger_bytes = 4 * 1024 * 1024;

response internal_error() {
  return error_response(500, "internal", "internal error");
}

bool is_token(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')
                    || std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
    if (!ok)
      return false;
  }
  return true;
}

bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

} // namespace

// --- limits and context ---------------------------------------------------------------

connection_limits::verdict connection_limits::admit(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (total_ >= max_total)
    return verdict::over_total;
  auto& mine = by_ip_[ip];
  if (mine >= max_per_client)
    return verdict::over_client; // `mine` stays: this client has open connections
  ++mine;
  ++total_;
  return verdict::admitted;
}

void connection_limits::release(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = by_ip_.find(ip);
  if (it == by_ip_.end())
    return;
  --total_;
  if (--it->second == 0)
    by_ip_.erase(it);
}

std::size_t connection_limits::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

context::context(server_options o, handler h)
    : opts(std::move(o)), handle(std::move(h)),
      ioc(static_cast<int>(std::max<std::size_t>(opts.threads, 1))) {}

// --- connection ------------------------------------------------------------------------

connection::connection(tcp::socket&& socket, context& ctx, std::string remote,
                       std::string remote_ip)
    : stream_(std::move(socket)), ctx_(ctx), remote_(std::move(remote)),
      remote_ip_(std::move(remote_ip)),
      reader_(parse_limits{parse_limits{}.header_limit, ctx.opts.body_limit}) {}

connection::~connection() {
  ctx_.limits.release(remote_ip_);
  std::lock_guard<std::mutex> lock(ctx_.mutex);
  ctx_.sessions.erase(this);
}

void connection::run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&connection::await_request, shared_from_this()));
}

void connection::close_from_outside() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_now(); });
}

/// Starts the clocks for the next request: its head must arrive within
/// `header_timeout`, all of it within `read_timeout`, both counted from now.
void connection::await_request() {
  if (ctx_.stopping.load())
    return close_now();
  method_ = "-";
  log_path_ = "-";
  head_done_ = false;
  const auto now = clock::now();
  head_deadline_ = now + ctx_.opts.header_timeout;
  request_deadline_ = now + ctx_.opts.read_timeout;
  process();
}

/// Parses what is buffered (pipelined requests may be) and acts on it.
void connection::process() {
  for (;;) {
    switch (reader_.advance()) {
    case request_reader::progress::need_more:
      return read_more();
    case request_reader::progress::head:
      on_head();
      if (reader_.expects_continue()) {
        continue_ = {};
        continue_.version(11);
        continue_.result(bhttp::status::continue_);
        stream_.expires_after(ctx_.opts.read_timeout);
        bhttp::async_write(stream_, continue_,
                           beast::bind_front_handler(&connection::on_continue, shared_from_this()));
        return;
      }
      continue;
    case request_reader::progress::complete:
      return handle_request();
    case request_reader::progress::failed: {
      const auto& e = reader_.error();
      if (e.status == 0)
        return close_now();
      spdlog::debug("http: refused request from {}: {} ({})", remote_, e.code, e.message);
      return send(error_response(e.status, e.code, e.message, e.field), true);
    }
    case request_reader::progress::closed:
      return close_now();
    }
  }
}

void connection::read_more() {
  // Until the head is complete the stricter head deadline applies: the
  // deadline is absolute, so trickling one byte at a time does not extend it.
  stream_.expires_at(head_done_ ? request_deadline_ : std::min(head_deadline_, request_deadline_));
  stream_.async_read_some(asio::buffer(read_buffer_),
                          beast::bind_front_handler(&connection::on_read, shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t n) {
  if (ec == asio::error::eof) {
    if (reader_.finish() == request_reader::progress::closed)
      return close_now();
    return process();
  }
  if (ec)
    return close_now(); // timeout, reset, shutdown: nothing to answer
  reader_.append(std::string_view(read_buffer_.data(), n));
  process();
}

void connection::on_head() {
  started_ = clock::now();
  head_done_ = true;
  method_ = reader_.log_method();
  log_path_ = reader_.log_path();
}

void connection::on_continue(beast::error_code ec, std::size_t) {
  if (ec)
    return close_now();
  request_deadline_ = clock::now() + ctx_.opts.read_timeout;
  process();
}

void connection::handle_request() {
  keep_alive_ = reader_.keep_alive();
  request req = reader_.take();
  req.remote = remote_;
  req.remote_ip = remote_ip_;
  stream_.expires_never();
  awaiting_ = shared_from_this();
  // The responder reaches us through the gate and a weak pointer: it may be
  // called from any thread, after we are closed or the server is gone.
  responder done(
      [answers = ctx_.answers, weak = weak_from_this()](response out) {
        std::lock_guard<std::mutex> lock(answers->mutex);
        if (!answers->open)
          return;
        if (auto self = weak.lock()) {
          asio::post(self->stream_.get_executor(),
                     [self, out = std::move(out)]() mutable { self->deliver(std::move(out)); });
        }
      },
      method_ + " " + log_path_);
  try {
    ctx_.handle(std::move(req), done);
  } catch (const std::exception& e) {
    spdlog::error("http: handler failed on {} {}: {}", method_, log_path_, e.what());
    done(internal_error());
  } catch (...) {
    spdlog::error("http: handler failed on {} {}: unknown exception", method_, log_path_);
    done(internal_error());
  }
}

/// Sends the handler's answer, on our strand.
void connection::deliver(response out) {
  if (closed_ || !awaiting_)
    return;
  const auto self = std::move(awaiting_);
  send(std::move(out), !keep_alive_);
}

/// Fills `res_` from `out`; returns a reason on an invalid response.
std::optional<std::string> connection::build(response&& out, bool close) {
  if (out.status < 200 || out.status > 599)
    return "status " + std::to_string(out.status);
  res_ = {};
  res_.version(reader_.version());
  res_.result(static_cast<unsigned>(out.status));
  res_.set(bhttp::field::server, "hotlined");
  // Browsers must not guess a type for our JSON (and error bodies that echo input).
  res_.set("X-Content-Type-Options", "nosniff");
  if (!out.content_type.empty()) {
    if (!is_field_value(out.content_type))
      return std::string("invalid Content-Type value");
    res_.set(bhttp::field::content_type, out.content_type);
  }
  for (const auto& [name, value] : out.headers) {
    if (!is_token(name))
      return std::string("invalid header name");
    if (!is_field_value(value))
      return "invalid value for header " + name;
    const auto field = bhttp::string_to_field(name);
    if (field == bhttp::field::content_length || field == bhttp::field::transfer_encoding
        || field == bhttp::field::connection) {
      return "header " + name + " is managed by the server";
    }
    if (field == bhttp::field::content_type || field == bhttp::field::server
        || beast::iequals(name, "X-Content-Type-Options")) {
      res_.set(name, value);
    } else {
      res_.insert(name, value);
    }
  }
  res_.body() = std::move(out.body);
  res_.keep_alive(!close);
  if (close && res_.version() < 11)
    res_.set(bhttp::field::connection, "close"); // the default in 1.0, but say it
  try {
    res_.prepare_payload(); // throws for a body on 204/304
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

void connection::send(response out, bool close) {
  if (auto why = build(std::move(out), close)) {
    spdlog::error("http: handler returned an invalid response ({}) on {} {}", *why, method_,
                  log_path_);
    build(internal_error(), close);
  }
  stream_.expires_after(ctx_.opts.read_timeout);
  bhttp::async_write(stream_, res_,
                     beast::bind_front_handler(&connection::on_write, shared_from_this()));
}

void connection::on_write(beast::error_code ec, std::size_t) {
  const auto ms = std::chrono::duration<double, std::milli>(clock::now() - started_).count();
  spdlog::debug("http: {} {} -> {} in {:.1f} ms", method_, log_path_, res_.result_int(), ms);
  if (ec)
    return close_now();
  if (res_.need_eof())
    return graceful_close();
  reader_.next();
  await_request();
}

/// Sends FIN, then discards what the client still sends for a short while so
/// that unread input does not turn our close into a reset that could destroy
/// the response in flight.
void connection::graceful_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    return close_now();
  drained_ = 0;
  stream_.expires_after(std::min<std::chrono::seconds>(linger_timeout, ctx_.opts.read_timeout));
  drain();
}

void connection::drain() {
  stream_.async_read_some(asio::buffer(read_buffer_),
                          beast::bind_front_handler(&connection::on_drain, shared_from_this()));
}

void connection::on_drain(beast::error_code ec, std::size_t n) {
  drained_ += n;
  if (ec || drained_ > linger_bytes || ctx_.stopping.load())
    return close_now();
  drain();
}

void connection::close_now() {
  closed_ = true;
  awaiting_.reset(); // an answer that comes later finds nobody
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

} // namespace hotline::http::detail
