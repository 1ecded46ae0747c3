#pragma once

/// \file
/// Internal to `server`: the state shared by the listener and the connections,
/// and one client connection. Not part of the public interface.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
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

  boost::beast::tcp_stream stream_;
  context& ctx_;
  const std::string remote_;
  const std::string remote_ip_;
  request_reader reader_;
  std::array<char, 8192> read_buffer_{};
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  boost::beast::http::response<boost::beast::http::string_body> res_;
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
};

} // namespace hotline::http::detail
