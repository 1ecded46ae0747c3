#include "tests/support/sse_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace hotline::test {

sse_client::sse_client(const std::string& host, std::uint16_t port, const std::string& target,
                       const std::string& bearer, const std::string& last_event_id) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0)
    throw std::runtime_error("sse: socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
    throw std::runtime_error("sse: host must be an IPv4 address: " + host);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("sse: cannot connect to " + host + ":" + std::to_string(port));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string req
      = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n";
  if (!bearer.empty())
    req += "Authorization: Bearer " + bearer + "\r\n";
  if (!last_event_id.empty())
    req += "Last-Event-ID: " + last_event_id + "\r\n";
  req += "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    throw std::runtime_error("sse: send failed");
}

sse_client::~sse_client() {
  close();
}

void sse_client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool sse_client::fill(std::chrono::steady_clock::time_point until) {
  if (fd_ < 0)
    return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count()))) <= 0)
    return false;
  char buf[16384];
  const auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    close();
    return false;
  }
  raw_.append(buf, static_cast<std::size_t>(n));
  if (!head_done_ && !parse_head())
    return true;
  if (!chunked_) {
    body_ += raw_;
    raw_.clear();
    return true;
  }
  // De-chunk what is complete.
  for (;;) {
    const auto eol = raw_.find("\r\n");
    if (eol == std::string::npos)
      break;
    const auto size = std::stoul(raw_.substr(0, eol), nullptr, 16);
    if (raw_.size() < eol + 2 + size + 2)
      break;
    body_.append(raw_, eol + 2, size);
    raw_.erase(0, eol + 2 + size + 2);
    if (size == 0) {
      close();
      break;
    }
  }
  return true;
}

bool sse_client::parse_head() {
  const auto end = raw_.find("\r\n\r\n");
  if (end == std::string::npos)
    return false;
  const auto head = raw_.substr(0, end);
  if (head.size() >= 12)
    status_ = std::stoi(head.substr(9, 3));
  std::string lower;
  for (char c : head)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
  if (auto at = lower.find("content-length: "); at != std::string::npos)
    length_ = std::stoul(lower.substr(at + 16));
  raw_.erase(0, end + 4);
  head_done_ = true;
  return true;
}

int sse_client::status(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!head_done_ && std::chrono::steady_clock::now() < until)
    if (!fill(until) && fd_ < 0)
      break;
  return status_;
}

std::string sse_client::body(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  status(timeout);
  while ((!length_ || body_.size() < *length_) && std::chrono::steady_clock::now() < until)
    if (!fill(until))
      break;
  return body_;
}

std::optional<sse_event> sse_client::take_event() {
  for (;;) {
    const auto end = body_.find("\n\n");
    if (end == std::string::npos)
      return std::nullopt;
    const auto block = body_.substr(0, end);
    body_.erase(0, end + 2);
    sse_event e;
    bool any = false;
    std::size_t at = 0;
    while (at <= block.size()) {
      auto nl = block.find('\n', at);
      if (nl == std::string::npos)
        nl = block.size();
      const auto line = block.substr(at, nl - at);
      at = nl + 1;
      if (line.empty())
        continue;
      if (line[0] == ':') {
        comments_.push_back(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
        continue;
      }
      const auto colon = line.find(':');
      const auto field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ')
        value.erase(0, 1);
      if (field == "id") {
        e.id = value;
        any = true;
      } else if (field == "event") {
        e.event = value;
        any = true;
      } else if (field == "data") {
        e.data += (e.data.empty() ? "" : "\n") + value;
        any = true;
      }
    }
    if (any && !e.data.empty())
      return e;
  }
}

std::optional<sse_event> sse_client::next(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto e = take_event())
      return e;
    if (std::chrono::steady_clock::now() >= until || !fill(until))
      return take_event();
  }
}

std::vector<sse_event> sse_client::drain(std::chrono::milliseconds quiet) {
  std::vector<sse_event> out;
  while (auto e = next(quiet))
    out.push_back(std::move(*e));
  return out;
}

} // namespace hotline::test
