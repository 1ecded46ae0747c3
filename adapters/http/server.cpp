#include "adapters/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace hotline::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/// Largest accepted request line plus headers.
constexpr std::uint32_t header_limit = 16 * 1024;
/// How long a connection that we are closing may keep sending before we cut it.
constexpr std::chrono::seconds linger_timeout{2};
/// How many bytes we discard from a connection that we are closing.
constexpr std::size_t linger_bytes = 4 * 1024 * 1024;

// --- JSON error bodies --------------------------------------------------------

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    } else {
      out += c;
    }
  }
  out += '"';
}

/// `{"error":{"code":…,"message":…,"field":…|null}}`
std::string error_body(std::string_view code, std::string_view message, const char* field) {
  std::string out = R"({"error":{"code":)";
  append_json_string(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += R"(,"field":)";
  if (field != nullptr) {
    append_json_string(out, field);
  } else {
    out += "null";
  }
  out += "}}";
  return out;
}

response error_response(int status, std::string_view code, std::string_view message,
                        const char* field = nullptr) {
  response r;
  r.status = status;
  r.body = error_body(code, message, field);
  return r;
}

response internal_error() {
  return error_response(500, "internal", "internal error");
}

// --- request target -------------------------------------------------------------

std::string_view to_std(beast::string_view s) {
  return {s.data(), s.size()};
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size()
         && beast::iequals(beast::string_view(s.data(), prefix.size()),
                           beast::string_view(prefix.data(), prefix.size()));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `in` into `out`; false on a malformed escape.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3)
        return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out += static_cast<char>((hi << 4) | lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

/// Strict UTF-8 check: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len)
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
      return false;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

struct target_error {
  std::string message;
  const char* field;
};

/// The path part of a request target, undecoded; used for logging. Strips an
/// absolute-form prefix ("http://host") and the query.
std::string_view raw_path_of(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (starts_with_nocase(target, scheme)) {
      target.remove_prefix(scheme.size());
      const auto slash = target.find_first_of("/?#");
      if (slash == std::string_view::npos || target[slash] != '/')
        return "/";
      target.remove_prefix(slash);
      break;
    }
  }
  return target.substr(0, target.find_first_of("?#"));
}

/// Fills `req.path` and `req.query` from `target`.
std::optional<target_error> parse_target(std::string_view target, request& req) {
  const std::string_view path = raw_path_of(target);
  if (path.empty() || path.front() != '/') {
    return target_error{"request target must be an absolute path", "path"};
  }
  if (!percent_decode(path, false, req.path)) {
    return target_error{"malformed percent-encoding in path", "path"};
  }
  if (!valid_utf8(req.path))
    return target_error{"path is not valid UTF-8", "path"};

  const auto question = target.find('?');
  if (question == std::string_view::npos)
    return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  std::string key;
  std::string value;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty())
      continue;
    const auto eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    const std::string_view raw_value
        = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!percent_decode(raw_key, true, key) || !percent_decode(raw_value, true, value)) {
      return target_error{"malformed percent-encoding in query", "query"};
    }
    if (!valid_utf8(key) || !valid_utf8(value)) {
      return target_error{"query is not valid UTF-8", "query"};
    }
    req.query.emplace(std::move(key), std::move(value)); // first occurrence wins
  }
  return std::nullopt;
}

// --- response validation ------------------------------------------------------------

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

std::string endpoint_string(const tcp::endpoint& ep) {
  const auto address = ep.address();
  if (address.is_v6())
    return "[" + address.to_string() + "]:" + std::to_string(ep.port());
  return address.to_string() + ":" + std::to_string(ep.port());
}

std::string host_port(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// --- connections ----------------------------------------------------------------------

class session;

/// State shared by the listener and the sessions. Declaration order matters:
/// the io_context is destroyed first, and any session it still owns
/// unregisters itself from `sessions` while that is alive.
struct context {
  context(server_options o, handler h)
      : opts(std::move(o)), handle(std::move(h)),
        ioc(static_cast<int>(std::max<std::size_t>(opts.threads, 1))) {}

  server_options opts;
  handler handle;
  std::mutex mutex;
  std::atomic<bool> stopping{false};
  std::unordered_map<session*, std::weak_ptr<session>> sessions; // guarded by mutex
  asio::io_context ioc;
};

/// One client connection. All its work runs on the strand of its socket.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, context& ctx, std::string remote)
      : stream_(std::move(socket)), ctx_(ctx), remote_(std::move(remote)) {}

  ~session() {
    std::lock_guard<std::mutex> lock(ctx_.mutex);
    ctx_.sessions.erase(this);
  }

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&session::read_header, shared_from_this()));
  }

  /// Closes the connection from any thread.
  void close_from_outside() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

 private:
  void read_header() {
    if (ctx_.stopping.load())
      return close_now();
    method_ = "-";
    log_path_ = "-";
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(static_cast<std::uint64_t>(ctx_.opts.body_limit));
    deadline_ = steady::now() + ctx_.opts.read_timeout;
    stream_.expires_at(deadline_);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    started_ = steady::now();
    if (ec)
      return on_read_error(ec);
    auto& msg = parser_->get();
    method_ = std::string(msg.method_string());
    log_path_ = std::string(raw_path_of(to_std(msg.target())));
    if (msg.version() >= 11 && !parser_->is_done()
        && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
      continue_ = {};
      continue_.version(11);
      continue_.result(bhttp::status::continue_);
      stream_.expires_after(ctx_.opts.read_timeout);
      bhttp::async_write(stream_, continue_,
                         beast::bind_front_handler(&session::on_continue, shared_from_this()));
      return;
    }
    read_body();
  }

  void on_continue(beast::error_code ec, std::size_t) {
    if (ec)
      return close_now();
    deadline_ = steady::now() + ctx_.opts.read_timeout;
    read_body();
  }

  void read_body() {
    if (parser_->is_done())
      return handle_request();
    stream_.expires_at(deadline_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_error(ec);
    handle_request();
  }

  void on_read_error(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) {
      // The request line has been parsed by now; name it in the log.
      method_ = std::string(parser_->get().method_string());
      log_path_ = std::string(raw_path_of(to_std(parser_->get().target())));
      return send(error_response(413, "payload_too_large",
                                 "request body exceeds the limit of "
                                     + std::to_string(ctx_.opts.body_limit) + " bytes"),
                  true);
    }
    if (ec == bhttp::error::header_limit) {
      return send(error_response(431, "headers_too_large", "request headers are too large"), true);
    }
    if (is_http_error(ec) && ec != bhttp::error::end_of_stream
        && ec != bhttp::error::partial_message) {
      spdlog::debug("http: malformed request from {}: {}", remote_, ec.message());
      return send(error_response(400, "bad_request", "malformed HTTP request"), true);
    }
    // end of stream, timeout, reset, shutdown: nothing to answer.
    close_now();
  }

  void handle_request() {
    auto& msg = parser_->get();
    const bool keep_alive = msg.keep_alive();
    request req;
    req.method = method_;
    if (auto error = parse_target(to_std(msg.target()), req)) {
      return send(error_response(400, "bad_request", error->message, error->field), !keep_alive);
    }
    req.body = std::move(msg.body());
    req.authorization = std::string(msg[bhttp::field::authorization]);
    req.content_type = std::string(msg[bhttp::field::content_type]);
    req.idempotency_key = std::string(msg["Idempotency-Key"]);
    req.remote = remote_;

    response out;
    try {
      out = ctx_.handle(req);
    } catch (const std::exception& e) {
      spdlog::error("http: handler failed on {} {}: {}", method_, log_path_, e.what());
      out = internal_error();
    } catch (...) {
      spdlog::error("http: handler failed on {} {}: unknown exception", method_, log_path_);
      out = internal_error();
    }
    send(std::move(out), !keep_alive);
  }

  /// Fills `res_` from `out`; returns a reason on an invalid response.
  std::optional<std::string> build(response&& out, bool close) {
    if (out.status < 200 || out.status > 599)
      return "status " + std::to_string(out.status);
    res_ = {};
    res_.version(parser_ && parser_->is_header_done() ? parser_->get().version() : 11);
    res_.result(static_cast<unsigned>(out.status));
    res_.set(bhttp::field::server, "hotlined");
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
      if (field == bhttp::field::content_type || field == bhttp::field::server) {
        res_.set(name, value);
      } else {
        res_.insert(name, value);
      }
    }
    res_.body() = std::move(out.body);
    res_.keep_alive(!close);
    try {
      res_.prepare_payload(); // throws for a body on 204/304
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::nullopt;
  }

  void send(response out, bool close) {
    if (auto why = build(std::move(out), close)) {
      spdlog::error("http: handler returned an invalid response ({}) on {} {}", *why, method_,
                    log_path_);
      build(internal_error(), close);
    }
    stream_.expires_after(ctx_.opts.read_timeout);
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    const auto ms = std::chrono::duration<double, std::milli>(steady::now() - started_).count();
    spdlog::debug("http: {} {} -> {} in {:.1f} ms", method_, log_path_, res_.result_int(), ms);
    if (ec)
      return close_now();
    if (res_.need_eof())
      return graceful_close();
    read_header();
  }

  /// Sends FIN, then discards what the client still sends for a short while so
  /// that unread input does not turn our close into a reset that could destroy
  /// the response in flight.
  void graceful_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return close_now();
    buffer_.consume(buffer_.size());
    drained_ = 0;
    stream_.expires_after(std::min<std::chrono::seconds>(linger_timeout, ctx_.opts.read_timeout));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            beast::bind_front_handler(&session::on_drain, shared_from_this()));
  }

  void on_drain(beast::error_code ec, std::size_t n) {
    drained_ += n;
    if (ec || drained_ > linger_bytes || ctx_.stopping.load())
      return close_now();
    drain();
  }

  void close_now() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  context& ctx_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::empty_body> continue_;
  bhttp::response<bhttp::string_body> res_;
  steady::time_point deadline_;
  steady::time_point started_;
  std::string method_ = "-";
  std::string log_path_ = "-";
  std::array<char, 8192> drain_buffer_{};
  std::size_t drained_ = 0;
};

} // namespace

// --- server -----------------------------------------------------------------------------

struct server::impl {
  enum class phase { idle, running, stopped };

  impl(server_options opts, handler h)
      : ctx(std::move(opts), std::move(h)), acceptor(asio::make_strand(ctx.ioc)),
        accept_retry(acceptor.get_executor()) {}

  void start() {
    std::lock_guard<std::mutex> lock(lifecycle);
    if (state != phase::idle)
      throw std::logic_error("hotline::http::server can be started only once");
    const std::string where = host_port(ctx.opts.host, ctx.opts.port);

    beast::error_code ec;
    tcp::endpoint endpoint;
    const auto address = asio::ip::make_address(ctx.opts.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, ctx.opts.port);
    } else {
      tcp::resolver resolver(ctx.ioc);
      const auto results
          = resolver.resolve(ctx.opts.host, std::to_string(ctx.opts.port),
                             tcp::resolver::passive | tcp::resolver::numeric_service, ec);
      if (ec || results.empty()) {
        throw std::runtime_error("cannot listen on " + where + ": cannot resolve host: "
                                 + (ec ? ec.message() : std::string("no address")));
      }
      endpoint = results.begin()->endpoint();
    }

    const auto fail = [&](const char* step) {
      beast::error_code ignored;
      acceptor.close(ignored);
      return std::runtime_error("cannot listen on " + where + ": " + step + ": " + ec.message());
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec)
      throw fail("open");
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec)
      throw fail("setsockopt");
    acceptor.bind(endpoint, ec);
    if (ec)
      throw fail("bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw fail("listen");
    const auto local = acceptor.local_endpoint(ec);
    if (ec)
      throw fail("getsockname");
    bound_port.store(local.port());

    work.emplace(ctx.ioc.get_executor());
    accept();
    const std::size_t count = std::max<std::size_t>(ctx.opts.threads, 1);
    threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      threads.emplace_back([this] { run_io(); });
    }
    state = phase::running;
    spdlog::info("http: listening on {} ({} io threads)", endpoint_string(local), count);
  }

  void stop() {
    std::lock_guard<std::mutex> lock(lifecycle);
    if (state != phase::running) {
      state = phase::stopped;
      return;
    }
    const auto self = std::this_thread::get_id();
    for (const auto& t : threads) {
      if (t.get_id() == self) {
        throw std::logic_error("hotline::http::server::stop called from an io thread");
      }
    }

    std::vector<std::shared_ptr<session>> open;
    {
      std::lock_guard<std::mutex> guard(ctx.mutex);
      ctx.stopping.store(true);
      for (const auto& [ptr, weak] : ctx.sessions) {
        if (auto s = weak.lock())
          open.push_back(std::move(s));
      }
    }
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
      accept_retry.cancel();
    });
    for (const auto& s : open)
      s->close_from_outside();
    open.clear();
    work.reset();
    for (auto& t : threads)
      t.join();
    threads.clear();
    state = phase::stopped;
    spdlog::info("http: stopped");
  }

  void run_io() {
    for (;;) {
      try {
        ctx.ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::critical("http: io thread caught an exception: {}", e.what());
      } catch (...) {
        spdlog::critical("http: io thread caught an unknown exception");
      }
    }
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ctx.ioc), [this](beast::error_code ec, tcp::socket s) {
      on_accept(ec, std::move(s));
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open())
      return;
    if (ec) {
      // E.g. out of file descriptors: back off instead of spinning.
      spdlog::warn("http: accept failed: {}", ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor.is_open())
          accept();
      });
      return;
    }
    start_session(std::move(socket));
    accept();
  }

  void start_session(tcp::socket socket) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec)
      return; // already gone
    auto s = std::make_shared<session>(std::move(socket), ctx, endpoint_string(peer));
    {
      std::lock_guard<std::mutex> guard(ctx.mutex);
      if (ctx.stopping.load())
        return; // `s` dies after the lock is released
      ctx.sessions.emplace(s.get(), s);
    }
    s->run();
  }

  // Declaration order matters: see `context`.
  context ctx;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::mutex lifecycle;
  phase state = phase::idle;
  std::atomic<std::uint16_t> bound_port{0};
};

server::server(server_options opts, handler h) {
  if (!h)
    throw std::invalid_argument("hotline::http::server needs a handler");
  impl_ = std::make_unique<impl>(std::move(opts), std::move(h));
}

server::~server() {
  if (impl_)
    impl_->stop();
}

void server::start() {
  impl_->start();
}

void server::stop() {
  impl_->stop();
}

std::uint16_t server::port() const {
  return impl_->bound_port.load();
}

} // namespace hotline::http
