#pragma once
// Server-Sent Events to people (issue 10): the streams open on this node,
// by unit, fed by the push feed (redis/feed.hpp) that every node follows.
// A client that comes back with Last-Event-ID first gets what it missed
// from its unit's stream in Redis, then live events; an event arriving
// during that replay waits and is sent after it, once (ids only grow).

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/server.hpp"
#include "adapters/redis/feed.hpp"

namespace hotline::http {

/// One event in the text/event-stream format (id, event, data lines).
std::string sse_event(const redis::push_entry& e);

class event_hub {
 public:
  /// Writes a comment to every open stream each `heartbeat`, so proxies
  /// keep idle connections open, and forgets the streams that ended.
  explicit event_hub(std::chrono::milliseconds heartbeat = std::chrono::seconds(15));
  ~event_hub();
  event_hub(const event_hub&) = delete;
  event_hub& operator=(const event_hub&) = delete;

  class subscriber;
  /// Registers a stream of `unit`'s events (held until it ends); live
  /// events wait until `replayed` is called on it.
  std::shared_ptr<subscriber> subscribe(const std::string& unit, std::shared_ptr<stream_writer> w,
                                        std::string after_id);
  /// An entry of the feed: to every stream of the units it tells.
  void publish(const redis::push_entry& e);
  /// Whether a stream here listens to one of the units `e` tells (only
  /// then is its data read).
  bool listens(const redis::push_entry& e) const;
  /// Open streams now (for metrics and tests).
  std::size_t streams() const;

  class subscriber {
   public:
    subscriber(std::shared_ptr<stream_writer> w, std::string after_id);
    /// Sends a replayed (or live) entry if it is newer than the last sent.
    void send(const redis::push_entry& e);
    /// The replay is over: sends what arrived meanwhile, then goes live.
    void replayed();
    bool closed() const { return writer_->closed(); }
    std::size_t queued() const { return writer_->queued(); }
    void comment(const std::string& text);
    std::string last_id() const;

   private:
    friend class event_hub;
    void live(const redis::push_entry& e);
    void send_locked(const redis::push_entry& e);
    mutable std::mutex mtx_;
    std::shared_ptr<stream_writer> writer_;
    std::optional<redis::stream_id> last_;
    bool replaying_ = true;
    std::vector<redis::push_entry> pending_;
  };

 private:
  void beat();
  std::chrono::milliseconds heartbeat_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::multimap<std::string, std::shared_ptr<subscriber>> subs_;
  std::thread thread_;
};

} // namespace hotline::http
