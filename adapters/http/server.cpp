#include "adapters/http/server.hpp"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "adapters/http/connection.hpp"
#include "adapters/http/request_parse.hpp"

namespace hotline::http {

// --- responder -------------------------------------------------------------------------

struct responder::state {
  std::function<void(response)> deliver;
  std::function<std::shared_ptr<stream_writer>(response)> open;
  std::string label;
  std::atomic<bool> answered{false};

  /// The last copy is gone: a handler that never answered must not leave
  /// the client waiting.
  ~state() {
    if (answered.load())
      return;
    try {
      spdlog::error("http: handler dropped its responder without answering{}{}",
                    label.empty() ? "" : " ", label);
      deliver(error_response(500, "internal", "internal error"));
    } catch (...) {
      // nothing sensible is left to do in a destructor
    }
  }
};

responder::responder(std::function<void(response)> deliver, std::string label)
    : state_(std::make_shared<state>()) {
  state_->deliver = std::move(deliver);
  state_->label = std::move(label);
}

responder::responder(std::function<void(response)> deliver,
                     std::function<std::shared_ptr<stream_writer>(response)> open,
                     std::string label)
    : responder(std::move(deliver), std::move(label)) {
  state_->open = std::move(open);
}

namespace {

/// What `open_stream` returns when there is no stream: every call is a no-op.
class ended_stream final : public stream_writer {
 public:
  void write(std::string) override {}
  void close() override {}
  bool closed() const override { return true; }
  std::size_t queued() const override { return 0; }
};

} // namespace

std::shared_ptr<stream_writer>
responder::open_stream(int status, std::string content_type,
                       std::vector<std::pair<std::string, std::string>> headers) const {
  if (state_->answered.exchange(true))
    return std::make_shared<ended_stream>();
  if (!state_->open) {
    spdlog::error("http: open_stream on a responder that cannot stream{}{}",
                  state_->label.empty() ? "" : " ", state_->label);
    state_->deliver(error_response(500, "internal", "internal error"));
    return std::make_shared<ended_stream>();
  }
  auto writer = state_->open(response{status, std::move(content_type), {}, std::move(headers)});
  return writer ? writer : std::make_shared<ended_stream>();
}

void responder::operator()(response r) const {
  if (!state_->answered.exchange(true))
    state_->deliver(std::move(r));
}

bool responder::answered() const {
  return state_->answered.load();
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using detail::connection;
using detail::context;

/// Descriptors kept free for Redis connections, files and the like.
constexpr std::size_t fd_reserve = 256;
constexpr std::size_t max_connections_ceiling = 10000;

/// `max_connections` when the options leave it 0.
std::size_t default_max_connections() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
    return max_connections_ceiling;
  const auto soft = static_cast<std::size_t>(lim.rlim_cur);
  return std::clamp<std::size_t>(soft > fd_reserve ? soft - fd_reserve : 0, 16,
                                 max_connections_ceiling);
}

std::string ip_string(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

std::string endpoint_string(const std::string& ip, std::uint16_t port) {
  if (ip.find(':') != std::string::npos)
    return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

std::string host_port(const std::string& host, std::uint16_t port) {
  return endpoint_string(host, port);
}

/// Logs at most once per second, counting what it swallowed; an attacker
/// must not be able to flood the log. Used on the acceptor strand only.
class rate_limited_log {
 public:
  void warn(const char* what, const std::string& detail) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) {
      ++suppressed_;
      return;
    }
    spdlog::warn("http: {} ({}; {} similar suppressed)", what, detail, suppressed_);
    last_ = now;
    suppressed_ = 0;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t suppressed_ = 0;
};

/// The whole answer to a connection over a cap, sent in one non-blocking write.
const std::string& refusal_bytes() {
  static const std::string bytes = [] {
    const auto body = error_json("too_many_connections", "too many connections, retry later");
    return "HTTP/1.1 503 Service Unavailable\r\nServer: hotlined\r\n"
           "Content-Type: application/json; charset=utf-8\r\n"
           "X-Content-Type-Options: nosniff\r\nRetry-After: 1\r\nConnection: close\r\n"
           "Content-Length: "
           + std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  return bytes;
}

/// Answers 503 and closes, never waiting: a refused client must not cost us
/// time or a descriptor for longer than this call.
void refuse(tcp::socket& socket) {
  const int fd = socket.native_handle();
  const auto& bytes = refusal_bytes();
  (void)::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  // Discard what already arrived so that close() sends FIN, not a reset that
  // could destroy the answer; anything later may still cause one.
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
  beast::error_code ignored;
  socket.close(ignored);
}

bool out_of_resources(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space
         || ec == asio::error::no_memory || ec.value() == ENFILE;
}

} // namespace

// --- server -----------------------------------------------------------------------------

struct server::impl {
  enum class phase { idle, running, stopped };

  impl(server_options opts, handler h)
      : ctx(std::move(opts), std::move(h)), acceptor(asio::make_strand(ctx.ioc)),
        accept_retry(acceptor.get_executor()) {
    ctx.limits.max_total
        = ctx.opts.max_connections != 0 ? ctx.opts.max_connections : default_max_connections();
    ctx.limits.max_per_client = std::max<std::size_t>(ctx.opts.max_connections_per_client, 1);
  }

  ~impl() { close_gate(); }

  /// From now on answers are dropped (see `detail::gate`).
  void close_gate() {
    std::lock_guard<std::mutex> lock(ctx.answers->mutex);
    ctx.answers->open = false;
  }

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
    spdlog::info("http: listening on {} ({} io threads, at most {} connections, {} per client)",
                 endpoint_string(ip_string(local.address()), local.port()), count,
                 ctx.limits.max_total, ctx.limits.max_per_client);
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

    close_gate();
    std::vector<std::shared_ptr<connection>> open;
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
      ++ctx.accept_errors;
      accept_log.warn("accept failed", ec.message());
      if (out_of_resources(ec)) {
        // Out of descriptors (EMFILE/ENFILE): open connections keep being
        // served; retry once some of them have closed instead of spinning.
        accept_retry.expires_after(std::chrono::milliseconds(50));
        accept_retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open())
            accept();
        });
        return;
      }
      return accept();
    }
    start_session(std::move(socket));
    accept();
  }

  /// Admits a new connection or refuses it at once; never waits.
  void start_session(tcp::socket socket) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec)
      return; // already gone
    auto ip = ip_string(peer.address());
    const auto verdict = ctx.limits.admit(ip);
    if (verdict != detail::connection_limits::verdict::admitted) {
      ++ctx.refused;
      const bool per_client = verdict == detail::connection_limits::verdict::over_client;
      if (per_client)
        ++ctx.refused_per_client;
      refuse_log.warn(per_client ? "refused a connection over the per-client cap"
                                 : "refused a connection over the global cap",
                      ip);
      refuse(socket);
      return;
    }
    auto remote = endpoint_string(ip, peer.port());
    auto s = std::make_shared<connection>(std::move(socket), ctx, std::move(remote), std::move(ip));
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
  rate_limited_log accept_log;
  rate_limited_log refuse_log;
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

server_stats server::stats() const {
  server_stats out;
  out.open_connections = impl_->ctx.limits.open();
  out.max_connections = impl_->ctx.limits.max_total;
  out.refused_connections = impl_->ctx.refused.load();
  out.refused_per_client = impl_->ctx.refused_per_client.load();
  out.accept_errors = impl_->ctx.accept_errors.load();
  return out;
}

} // namespace hotline::http
