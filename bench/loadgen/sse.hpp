#pragma once
// A Server-Sent Events stream on Boost.Asio, for many streams on one
// io_context thread: one GET, the (chunked) body read as it comes and cut
// into events as the EventSource specification says (id, event, data
// lines; comments and retry ignored). Each event is handed over with the
// time its bytes were read, so a slow consumer does not add to its latency.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bench {

struct sse_event {
  std::string id, event, data;
};

class sse_stream : public std::enable_shared_from_this<sse_stream> {
 public:
  using clock = std::chrono::steady_clock;
  using on_event = std::function<void(const sse_stream&, const sse_event&, clock::time_point)>;

  sse_stream(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint ep, std::string target,
             std::string bearer, std::string tag, on_event f)
      : socket_(io), ep_(ep), target_(std::move(target)), bearer_(std::move(bearer)),
        tag_(std::move(tag)), on_event_(std::move(f)) {}

  /// Connects and sends the request; call on (or before running) the io thread.
  void start() {
    socket_.async_connect(ep_, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec)
        return self->fail("connect: " + ec.message());
      boost::system::error_code ignored;
      self->socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
      self->request_ = "GET " + self->target_
                       + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                         "Authorization: Bearer "
                       + self->bearer_ + "\r\n\r\n";
      boost::asio::async_write(self->socket_, boost::asio::buffer(self->request_),
                               [self](boost::system::error_code ec2, std::size_t) {
                                 if (ec2)
                                   return self->fail("write: " + ec2.message());
                                 self->read();
                               });
    });
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  /// What the caller named this stream (e.g. its unit id).
  const std::string& tag() const { return tag_; }
  // status(), ended() and events() may be read from any thread; error()
  // once the io thread is stopped.
  /// The response status once its head arrived, else 0.
  int status() const { return status_; }
  /// Set when the stream failed or ended.
  bool ended() const { return ended_; }
  const std::string& error() const { return error_; }
  long events() const { return events_; }

 private:
  void read() {
    socket_.async_read_some(boost::asio::buffer(buf_), [self = shared_from_this()](
                                                           boost::system::error_code ec,
                                                           std::size_t n) {
      const auto at = clock::now();
      if (ec)
        return self->fail(ec == boost::asio::error::eof ? "closed by the server" : ec.message());
      self->raw_.append(self->buf_.data(), n);
      if (!self->feed(at))
        return;
      self->read();
    });
  }

  // Moves complete input from raw_ to body_ and events out; false once the
  // stream is over.
  bool feed(clock::time_point at) {
    if (!head_done_) {
      const auto end = raw_.find("\r\n\r\n");
      if (end == std::string::npos)
        return true;
      const auto head = raw_.substr(0, end);
      if (head.size() >= 12)
        status_ = std::atoi(head.c_str() + 9);
      std::string lower;
      for (char c : head)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
      raw_.erase(0, end + 4);
      head_done_ = true;
      if (status_ != 200) {
        fail("status " + std::to_string(status_.load()));
        return false;
      }
    }
    if (!chunked_) {
      body_ += raw_;
      raw_.clear();
    } else {
      for (;;) {
        const auto eol = raw_.find("\r\n");
        if (eol == std::string::npos)
          break;
        const auto size = std::strtoul(raw_.c_str(), nullptr, 16);
        if (raw_.size() < eol + 2 + size + 2)
          break;
        body_.append(raw_, eol + 2, size);
        raw_.erase(0, eol + 2 + size + 2);
        if (size == 0) {
          fail("the stream ended");
          return false;
        }
      }
    }
    for (;;) {
      const auto end = body_.find("\n\n");
      if (end == std::string::npos)
        break;
      sse_event e;
      std::size_t pos = 0;
      while (pos < end) {
        auto nl = body_.find('\n', pos);
        if (nl == std::string::npos || nl > end)
          nl = end;
        std::string line = body_.substr(pos, nl - pos);
        pos = nl + 1;
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        if (line.empty() || line[0] == ':')
          continue;
        const auto colon = line.find(':');
        const auto field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ')
          value.erase(0, 1);
        if (field == "id")
          e.id = value;
        else if (field == "event")
          e.event = value;
        else if (field == "data")
          e.data += (e.data.empty() ? "" : "\n") + value;
      }
      body_.erase(0, end + 2);
      if (!e.data.empty()) {
        ++events_;
        on_event_(*this, e, at);
      }
    }
    return true;
  }

  void fail(std::string why) {
    if (!ended_)
      error_ = std::move(why);
    ended_ = true;
    close();
  }

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint ep_;
  std::string target_, bearer_, tag_, request_;
  on_event on_event_;
  std::array<char, 16384> buf_{};
  std::string raw_, body_, error_;
  // Read by other threads while the stream runs.
  std::atomic<int> status_{0};
  std::atomic<bool> ended_{false};
  std::atomic<long> events_{0};
  bool head_done_ = false, chunked_ = false;
};

} // namespace bench
