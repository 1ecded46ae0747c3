#pragma once
// The HTTP/JSON API (docs/API.md): validates every request, turns it into
// an actor message, and renders replies and errors in one stable format
// `{"error":{"code","message","field"}}` (DESIGN rule 7). Caller data is
// masked in every view (DESIGN rule 6).

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "actors/runtime.hpp"
#include "adapters/http/server.hpp"

namespace hotline::http {

class api {
 public:
  /// `token_secret` verifies bearer tokens made by `hotline token`.
  /// `test_clock` is given only under `hotlined --test-clock`: it enables
  /// `POST /api/v1/test/clock`, which moves that clock.
  api(actors::runtime& rt, const actors::services& svc, std::string token_secret,
      actors::manual_clock* test_clock = nullptr);

  response handle(const request& req);

 private:
  response route(const request& req, std::string& route_name);
  std::string metrics();

  actors::runtime& rt_;
  const actors::services& svc_;
  std::string token_secret_;
  actors::manual_clock* test_clock_;
  std::string categories_json_;
  std::mutex metrics_mtx_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
};

} // namespace hotline::http
