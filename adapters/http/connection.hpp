#pragma once

/// \file
/// Internal to `server`: the state shared by the listener and the connections,
/// and one client connection. Not part of the public interface.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>

#include "adapters/http/request_parse.hpp"
#include "adapters/http/server.hpp"

namespace hotline::http::detail {

/// Lets responders reach connections only while the server runs: an answer
/// that comes after `stop()` must not touch a dead io_context.
struct gate {
  std::mutex mutex;
  bool open = true; // guarded by mutex
};

/// Open connections, in total and per client address.
class connection_limits {
 public:
  enum class verdict { admitted, over_total, over_client };

  /// Takes a slot for a new connection from `ip`, unless a cap is reached.
  verdict admit(const std::string& ip);
  /// Returns the slot taken by `admit`.
  void release(const std::string& ip);
  std::size_t open() const;

  std::size_t max_total = 0;
  std::size_t max_per_client = 0;

 private:
  mutable std::mutex mutex_;
  std::size_t total_ = 0;                              // guarded by mutex_
  std::unordered_map<std::string, std::size_t> by_ip_; // guarded by mutex_
};

class connection;

/// State shared by the listener and the connections. Declaration order
/// matters: the io_context is destroyed first, and any connection it still
/// owns unregisters itself while the rest is alive.
struct context {
  context(server_options o, handler h);

  server_options opts;
  handler handle;
  std::shared_ptr<gate> answers = std::make_shared<gate>();
  connection_limits limits;
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> refused_per_client{0};
  std::atomic<std::uint64_t> accept_errors{0};
  std::mutex mutex;
  std::atomic<bool> stopping{false};
  std::unordered_map<connection*, std::weak_ptr<connection>> sessions; // guarded by mutex
  boost::asio::io_context ioc;
};

/// What a stream's producer and its connection share.
struct stream_state {
  /// Set once the stream has ended for any reason; writes are ignored then.
  std::atomic<bool> ended{false};
  /// Payload bytes handed to `write` and not yet sent (the slow-consumer bound).
  std::atomic<std::size_t> queued{0};
};

/// The `stream_writer` the server hands out. Like a responder it reaches its
/// connection only through the gate and a weak pointer, so it may outlive
/// both the connection and the server.
class stream_channel final : public stream_writer {
 public:
  stream_channel(std::shared_ptr<stream_state> state, std::weak_ptr<connection> conn,
                 std::shared_ptr<gate> answers, std::size_t limit);
  /// The last reference is gone: end the stream cleanly.
  ~stream_channel() override;

  void write(std::string chunk) override;
  void close() override;
  bool closed() const override;
  std::size_t queued() const override { return state_->queued.load(); }

 private:
  /// Runs `f` on the connection's strand, unless the server or it is gone.
  template <class F>
  void post(F&& f);

  const std::shared_ptr<stream_state> state_;
  const std::weak_ptr<connection> conn_;
  const std::shared_ptr<gate> answers_;
  const std::size_t limit_;
};

/// One client connection, admitted by `connection_limits`. All its work runs
/// on the strand of its socket.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(boost::asio::ip::tcp::socket&& socket, context& ctx, std::string remote,
             std::string remote_ip);
  /// Returns the connection's slot and unregisters it.
  ~connection();

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void run();
  /// Closes the connection from any thread.
  void close_from_outside();

 private:
  friend class stream_channel;
  using clock = std::chrono::steady_clock;

  void await_request();
  void process();
  void read_more();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void on_head();
  void on_continue(boost::beast::error_code ec, std::size_t);
  void handle_request();
  void deliver(response out);
  std::optional<std::string> build(response&& out, bool close);
  void send(response out, bool close);
  void on_write(boost::beast::error_code ec, std::size_t);
  void graceful_close();
  void drain();
  void on_drain(boost::beast::error_code ec, std::size_t n);
  void close_now();

  std::shared_ptr<stream_writer> open_stream(response head);
  void begin_stream(response head, const std::shared_ptr<stream_state>& state);
  void stream_push(const std::shared_ptr<stream_state>& state, std::string chunk);
  void stream_finish(const std::shared_ptr<stream_state>& state);
  void stream_abort(const std::shared_ptr<stream_state>& state);
  void pump();
  void on_stream_write(boost::beast::error_code ec, std::size_t);
  void watch();
  void on_watch(boost::beast::error_code ec, std::size_t n);
  void end_stream();
  void after_stream();

  boost::beast::tcp_stream stream_;
  context& ctx_;
  const std::string remote_;
  const std::string remote_ip_;
  request_reader reader_;
  std::array<char, 8192> read_buffer_{};
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  boost::beast::http::response<boost::beast::http::string_body> res_;
  /// A response's shared body (response::shared_body), held while it is
  /// written from `shared_res_` (res_'s head, the shared bytes as body).
  std::shared_ptr<const std::string> shared_body_;
  boost::beast::http::response<boost::beast::http::span_body<const char>> shared_res_;
  /// Set while the handler owes an answer: nothing else keeps us alive then.
  std::shared_ptr<connection> awaiting_;
  bool keep_alive_ = false;
  bool closed_ = false;
  bool head_done_ = false;
  clock::time_point head_deadline_;
  clock::time_point request_deadline_;
  clock::time_point started_;
  std::string method_ = "-";
  std::string log_path_ = "-";
  std::size_t drained_ = 0;

  // A streamed answer (`responder::open_stream`); all on the strand.
  /// The open stream, null when none is.
  std::shared_ptr<stream_state> streaming_;
  /// Framed bytes to send, each with its payload size (for `stream_state::queued`).
  std::deque<std::pair<std::string, std::size_t>> outbox_;
  bool writing_ = false;
  /// The last chunk is queued: once the outbox is empty, the stream is over.
  bool finishing_ = false;
  /// A read is pending that only notices the client leaving.
  bool watching_ = false;
  /// Waiting for the cancelled watch read before serving the next request.
  bool ending_ = false;
  /// HTTP/1.1 chunk framing; an HTTP/1.0 client gets raw bytes and a close.
  bool chunked_ = true;
  /// Bytes the client sent during the stream (a pipelined next request).
  std::string stash_;
};

} // namespace hotline::http::detail
