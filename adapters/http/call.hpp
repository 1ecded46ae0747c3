#pragma once
// One request in flight: what a handler gets. Handlers are asynchronous: a
// handler sends the request on (to an actor, or to the blocking pool for a
// Redis read) and returns; the answer is given later, from any thread,
// with `reply`/`fail`. `guard` wraps a continuation so that an api_error
// (or a partition that moved) thrown inside it still answers the client.

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "adapters/cluster/partitioning.hpp"
#include "adapters/http/errors.hpp"
#include "adapters/http/routes.hpp"
#include "routing/access.hpp"

namespace hotline::http {

struct api_context;

/// Thrown when this node does not own the partition a write belongs to:
/// the dispatcher forwards the command to the owner (issue 4).
struct partition_moved {
  cluster::partition_id p;
};

struct call : std::enable_shared_from_this<call> {
  api_context& ctx;
  request req;
  const route* r = nullptr;
  std::map<std::string, std::string> params;
  std::optional<routing::principal> who;
  bool forwarded = false; // run here for another node's client
  /// The partition of the write, once known (for forwarding).
  std::optional<cluster::partition_id> partition;
  /// Sends the answer (set by the dispatcher; called once).
  std::function<void(response)> send;
  /// Answers with a stream instead (Server-Sent Events): the head's status,
  /// content type and headers go at once; nullptr if answered already.
  std::function<std::shared_ptr<stream_writer>(response head)> stream;
  /// Held while the request counts against the in-flight limit.
  std::shared_ptr<void> slot;
  /// The dispatcher's answer to partition_moved: forward, or give up.
  std::function<void(const call_ptr&, cluster::partition_id)> moved;

  call(api_context& c, request rq) : ctx(c), req(std::move(rq)) {}

  const std::string& param(const std::string& name) const { return params.at(name); }
  /// The person acting (recorded with events); empty when anonymous.
  routing::person person() const {
    return who ? routing::person{who->user, who->display_name} : routing::person{};
  }
  bool office() const { return who && who->office; }
  bool has(routing::role x) const { return who && who->roles.has(x); }

  void reply(int status, const nlohmann::json& body) { answer(json_response(status, body)); }
  void reply(response out) { answer(std::move(out)); }
  void fail(const api_error& e) { answer(error_response(e)); }

  /// A write for partition `p`: throws partition_moved unless this node
  /// owns it.
  void need_owner(cluster::partition_id p);

  /// Runs `f` now, turning what it throws into the answer.
  template <class F>
  void run(F&& f) {
    try {
      f();
    } catch (const api_error& e) {
      fail(e);
    } catch (const partition_moved& m) {
      moved(shared_from_this(), m.p);
    } catch (const std::exception& e) {
      internal(e);
    }
  }
  /// A continuation that runs `f(args…)` like `run`.
  template <class F>
  auto guard(F f) {
    return [self = shared_from_this(), f = std::move(f)](auto&&... xs) mutable {
      self->run([&] { f(std::forward<decltype(xs)>(xs)...); });
    };
  }

 private:
  void internal(const std::exception& e);
  /// The in-flight slot is given back before the answer leaves: a client
  /// that sends its next request as soon as it reads this answer must find
  /// it free, not held until the continuation that answered is destroyed
  /// on its actor thread (which shed a few of a million intakes with 503
  /// from 16 connections under a cap of 18: docs/PERFORMANCE.md).
  void answer(response out) {
    slot.reset();
    send(std::move(out));
  }
};

} // namespace hotline::http
