#include "adapters/http/event_hub.hpp"

namespace hotline::http {

std::string sse_event(const redis::push_entry& e) {
  // The data is one line of JSON (no raw newlines: JSON escapes them).
  return "id: " + e.id + "\nevent: " + e.step + "\ndata: " + redis::with_id(e.data, e.id) + "\n\n";
}

event_hub::subscriber::subscriber(std::shared_ptr<stream_writer> w, std::string after_id)
    : writer_(std::move(w)), last_(redis::stream_id::parse(after_id)) {}

void event_hub::subscriber::send_locked(const redis::push_entry& e) {
  const auto id = redis::stream_id::parse(e.id);
  if (!id || (last_ && !(*last_ < *id)))
    return; // sent already (replay and live overlap)
  writer_->write(sse_event(e));
  last_ = id;
}

void event_hub::subscriber::send(const redis::push_entry& e) {
  std::lock_guard<std::mutex> lock(mtx_);
  send_locked(e);
}

void event_hub::subscriber::live(const redis::push_entry& e) {
  std::lock_guard<std::mutex> lock(mtx_);
  if (replaying_)
    pending_.push_back(e);
  else
    send_locked(e);
}

void event_hub::subscriber::replayed() {
  std::lock_guard<std::mutex> lock(mtx_);
  for (const auto& e : pending_)
    send_locked(e);
  pending_.clear();
  replaying_ = false;
}

void event_hub::subscriber::comment(const std::string& text) {
  writer_->write(": " + text + "\n\n");
}

std::string event_hub::subscriber::last_id() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return last_ ? last_->str() : "";
}

event_hub::event_hub(std::chrono::milliseconds heartbeat) : heartbeat_(heartbeat) {
  thread_ = std::thread([this] { beat(); });
}

event_hub::~event_hub() {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<event_hub::subscriber> event_hub::subscribe(const std::string& unit,
                                                            std::shared_ptr<stream_writer> w,
                                                            std::string after_id) {
  auto s = std::make_shared<subscriber>(std::move(w), std::move(after_id));
  std::lock_guard<std::mutex> lock(mtx_);
  subs_.emplace(unit, s);
  return s;
}

void event_hub::publish(const redis::push_entry& e) {
  if (e.data.empty())
    return; // nobody here listened when it was read
  std::vector<std::shared_ptr<subscriber>> to;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    for (const auto& unit : e.units) {
      auto [from, until] = subs_.equal_range(unit);
      for (auto i = from; i != until; ++i)
        to.push_back(i->second);
    }
  }
  for (const auto& s : to)
    s->live(e);
}

bool event_hub::listens(const redis::push_entry& e) const {
  std::lock_guard<std::mutex> lock(mtx_);
  for (const auto& unit : e.units)
    if (subs_.count(unit))
      return true;
  return false;
}

std::size_t event_hub::streams() const {
  std::lock_guard<std::mutex> lock(mtx_);
  std::size_t n = 0;
  for (const auto& [unit, s] : subs_)
    n += !s->closed();
  return n;
}

void event_hub::beat() {
  std::unique_lock<std::mutex> lock(mtx_);
  while (!stop_) {
    cv_.wait_for(lock, heartbeat_, [this] { return stop_; });
    if (stop_)
      break;
    std::vector<std::shared_ptr<subscriber>> alive;
    for (auto i = subs_.begin(); i != subs_.end();) {
      if (i->second->closed()) {
        i = subs_.erase(i);
        continue;
      }
      alive.push_back(i->second);
      ++i;
    }
    lock.unlock();
    for (const auto& s : alive)
      s->comment("keep-alive");
    lock.lock();
  }
}

} // namespace hotline::http
