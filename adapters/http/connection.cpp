#include "adapters/http/connection.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <string_view>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
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
      [answers = ctx_.answers, weak = weak_from_this()](response head) {
        std::lock_guard<std::mutex> lock(answers->mutex);
        auto self = answers->open ? weak.lock() : nullptr;
        return self ? self->open_stream(std::move(head)) : nullptr;
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

namespace {

/// Fills the head of `m` (its body set already) from `out`; returns a
/// reason on an invalid response.
template <class Message>
std::optional<std::string> fill(Message& m, unsigned version, const response& out, bool close) {
  if (out.status < 200 || out.status > 599)
    return "status " + std::to_string(out.status);
  m.version(version);
  m.result(static_cast<unsigned>(out.status));
  m.set(bhttp::field::server, "hotlined");
  // Browsers must not guess a type for our JSON (and error bodies that echo input).
  m.set("X-Content-Type-Options", "nosniff");
  if (!out.content_type.empty()) {
    if (!is_field_value(out.content_type))
      return std::string("invalid Content-Type value");
    m.set(bhttp::field::content_type, out.content_type);
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
      m.set(name, value);
    } else {
      m.insert(name, value);
    }
  }
  m.keep_alive(!close);
  if (close && m.version() < 11)
    m.set(bhttp::field::connection, "close"); // the default in 1.0, but say it
  try {
    m.prepare_payload(); // throws for a body on 204/304
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

} // namespace

/// Fills `res_`, or `shared_res_` for a shared body (issue 16: its bytes
/// are written where they are, not copied); returns a reason on an invalid
/// response.
std::optional<std::string> connection::build(response&& out, bool close) {
  shared_body_ = std::move(out.shared_body);
  if (shared_body_) {
    if (!out.body.empty())
      return std::string("both a body and a shared body");
    shared_res_ = {};
    shared_res_.body() = beast::span<const char>(shared_body_->data(), shared_body_->size());
    return fill(shared_res_, reader_.version(), out, close);
  }
  res_ = {};
  res_.body() = std::move(out.body);
  return fill(res_, reader_.version(), out, close);
}

void connection::send(response out, bool close) {
  if (auto why = build(std::move(out), close)) {
    spdlog::error("http: handler returned an invalid response ({}) on {} {}", *why, method_,
                  log_path_);
    build(internal_error(), close);
  }
  stream_.expires_after(ctx_.opts.read_timeout);
  if (shared_body_) {
    bhttp::async_write(stream_, shared_res_,
                       beast::bind_front_handler(&connection::on_write, shared_from_this()));
    return;
  }
  bhttp::async_write(stream_, res_,
                     beast::bind_front_handler(&connection::on_write, shared_from_this()));
}

void connection::on_write(beast::error_code ec, std::size_t) {
  const auto ms = std::chrono::duration<double, std::milli>(clock::now() - started_).count();
  spdlog::debug("http: {} {} -> {} in {:.1f} ms", method_, log_path_,
                shared_body_ ? shared_res_.result_int() : res_.result_int(), ms);
  const bool eof = shared_body_ ? shared_res_.need_eof() : res_.need_eof();
  shared_body_.reset();
  if (ec)
    return close_now();
  if (eof)
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
  if (streaming_) {
    // The producer learns it may stop. The outbox stays: a write may still
    // hold its first buffer until it completes as cancelled.
    streaming_->ended = true;
    streaming_.reset();
    finishing_ = false;
  }
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

// --- streamed answers ---------------------------------------------------------------

stream_channel::stream_channel(std::shared_ptr<stream_state> state, std::weak_ptr<connection> conn,
                               std::shared_ptr<gate> answers, std::size_t limit)
    : state_(std::move(state)), conn_(std::move(conn)), answers_(std::move(answers)),
      limit_(limit) {}

stream_channel::~stream_channel() {
  close();
}

template <class F>
void stream_channel::post(F&& f) {
  std::lock_guard<std::mutex> lock(answers_->mutex);
  auto conn = answers_->open ? conn_.lock() : nullptr;
  if (!conn) {
    state_->ended = true; // the server stopped or the connection is gone
    return;
  }
  asio::post(conn->stream_.get_executor(), [conn, f = std::forward<F>(f)]() mutable { f(*conn); });
}

void stream_channel::write(std::string chunk) {
  if (chunk.empty() || state_->ended.load())
    return;
  const auto n = chunk.size();
  if (state_->queued.fetch_add(n) + n > limit_) {
    // The client does not read: cut it off rather than buffer without end.
    if (!state_->ended.exchange(true))
      post([state = state_](connection& c) { c.stream_abort(state); });
    return;
  }
  post([state = state_, chunk = std::move(chunk)](connection& c) mutable {
    c.stream_push(state, std::move(chunk));
  });
}

void stream_channel::close() {
  if (!state_->ended.exchange(true))
    post([state = state_](connection& c) { c.stream_finish(state); });
}

bool stream_channel::closed() const {
  return state_->ended.load();
}

/// Called by the responder, from any thread, with the gate held. The head is
/// sent on the strand; writes posted after this run after it.
std::shared_ptr<stream_writer> connection::open_stream(response head) {
  auto state = std::make_shared<stream_state>();
  auto writer = std::make_shared<stream_channel>(state, weak_from_this(), ctx_.answers,
                                                 ctx_.opts.stream_buffer_limit);
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), head = std::move(head), state]() mutable {
               self->begin_stream(std::move(head), state);
             });
  return writer;
}

/// Sends the head of a streamed answer and starts watching for the client to
/// leave: from now on no timeout applies, only the client's presence.
void connection::begin_stream(response head, const std::shared_ptr<stream_state>& state) {
  if (closed_ || !awaiting_) {
    state->ended = true;
    return;
  }
  const auto self = std::move(awaiting_);
  chunked_ = reader_.version() >= 11;
  if (!chunked_)
    keep_alive_ = false; // without framing only the close marks the end
  const int status = head.status;
  auto why = build(std::move(head), !keep_alive_);
  if (!why && (status == 204 || status == 304))
    why = "status " + std::to_string(status) + " has no body";
  if (why) {
    spdlog::error("http: handler opened an invalid stream ({}) on {} {}", *why, method_, log_path_);
    state->ended = true;
    return send(internal_error(), !keep_alive_);
  }
  res_.erase(bhttp::field::content_length);
  if (chunked_)
    res_.chunked(true);
  res_.set(bhttp::field::cache_control, "no-store");

  std::string text = chunked_ ? "HTTP/1.1 " : "HTTP/1.0 ";
  const auto add = [&text](beast::string_view v) { text.append(v.data(), v.size()); };
  text += std::to_string(res_.result_int()) + " ";
  add(res_.reason());
  text += "\r\n";
  for (const auto& field : res_) {
    add(field.name_string());
    text += ": ";
    add(field.value());
    text += "\r\n";
  }
  text += "\r\n";

  streaming_ = state;
  outbox_.clear();
  outbox_.emplace_back(std::move(text), 0);
  finishing_ = false;
  ending_ = false;
  stash_.clear();
  stream_.expires_never();
  spdlog::debug("http: {} {} -> {} stream opened", method_, log_path_, status);
  watch(); // before the first write: `pump` then times only the writes
  pump();
}

void connection::stream_push(const std::shared_ptr<stream_state>& state, std::string chunk) {
  if (state != streaming_ || finishing_ || closed_)
    return;
  const auto n = chunk.size();
  if (chunked_) {
    char size[20];
    const int len = std::snprintf(size, sizeof size, "%zx\r\n", n);
    chunk.insert(0, size, static_cast<std::size_t>(len));
    chunk += "\r\n";
  }
  outbox_.emplace_back(std::move(chunk), n);
  pump();
}

void connection::stream_finish(const std::shared_ptr<stream_state>& state) {
  if (state != streaming_ || finishing_ || closed_)
    return;
  finishing_ = true;
  if (chunked_)
    outbox_.emplace_back("0\r\n\r\n", 0);
  if (!writing_ && outbox_.empty())
    return end_stream();
  pump();
}

void connection::stream_abort(const std::shared_ptr<stream_state>& state) {
  if (state != streaming_ || closed_)
    return;
  spdlog::warn("http: {} {} from {}: stream cut, the client does not read (over {} bytes queued)",
               method_, log_path_, remote_, ctx_.opts.stream_buffer_limit);
  close_now();
}

/// Writes the outbox one buffer at a time, in order.
void connection::pump() {
  if (writing_ || outbox_.empty() || closed_)
    return;
  writing_ = true;
  // The watch read is pending, so this deadline applies to this write only:
  // a client that stops reading cannot hold a write forever.
  stream_.expires_after(ctx_.opts.read_timeout);
  asio::async_write(stream_, asio::buffer(outbox_.front().first),
                    beast::bind_front_handler(&connection::on_stream_write, shared_from_this()));
}

void connection::on_stream_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec || closed_) // closed meanwhile: the write may still have succeeded
    return close_now();
  const auto payload = outbox_.front().second;
  outbox_.pop_front();
  if (streaming_)
    streaming_->queued -= payload;
  if (!outbox_.empty())
    return pump();
  if (finishing_)
    end_stream();
}

/// Keeps a read pending while streaming: it completes when the client leaves.
void connection::watch() {
  watching_ = true;
  stream_.async_read_some(asio::buffer(read_buffer_),
                          beast::bind_front_handler(&connection::on_watch, shared_from_this()));
}

void connection::on_watch(beast::error_code ec, std::size_t n) {
  watching_ = false;
  if (ending_) { // `end_stream` cancelled us (or we raced it)
    ending_ = false;
    if (ec && ec != asio::error::operation_aborted)
      return close_now();
    stash_.append(read_buffer_.data(), n);
    return after_stream();
  }
  if (ec || closed_) {
    if (streaming_)
      spdlog::debug("http: {} {}: stream client left ({})", method_, log_path_, ec.message());
    return close_now();
  }
  // A pipelined next request; kept for later, within bounds.
  stash_.append(read_buffer_.data(), n);
  if (stash_.size() > ctx_.opts.body_limit + parse_limits{}.header_limit)
    return close_now();
  watch();
}

/// Everything including the last chunk is sent.
void connection::end_stream() {
  const auto ms = std::chrono::duration<double, std::milli>(clock::now() - started_).count();
  spdlog::debug("http: {} {} -> {} stream closed after {:.1f} ms", method_, log_path_,
                res_.result_int(), ms);
  streaming_->ended = true;
  streaming_.reset();
  finishing_ = false;
  if (watching_) {
    ending_ = true;
    beast::error_code ec;
    stream_.socket().cancel(ec);
    return;
  }
  after_stream();
}

/// Serves the next request (perhaps already stashed), or closes.
void connection::after_stream() {
  if (closed_)
    return;
  if (!keep_alive_)
    return graceful_close();
  reader_.next();
  if (!stash_.empty())
    reader_.append(std::exchange(stash_, {}));
  await_request();
}

} // namespace hotline::http::detail
