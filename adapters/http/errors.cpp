#include "adapters/http/errors.hpp"

namespace hotline::http {

using nlohmann::json;

response json_response(int status, const json& body) {
  response out;
  out.status = status;
  out.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

response error_response(const api_error& e) {
  json field = e.field.empty() ? json(nullptr) : json(e.field);
  auto out = json_response(
      e.status, {{"error", {{"code", e.code}, {"message", e.message}, {"field", field}}}});
  if (e.retry_after > 0)
    out.headers.emplace_back("Retry-After", std::to_string(e.retry_after));
  else if (e.status == 503)
    out.headers.emplace_back("Retry-After", "1");
  return out;
}

api_error from_failure(const actors::failure& f) {
  struct mapping {
    const char* code;
    int status;
    const char* http_code;
  };
  static const mapping table[] = {
      {"not_found", 404, "not_found"},
      {"forbidden", 403, "forbidden"},
      {"conflict", 409, "conflict"},
      {"deadline_passed", 409, "deadline_passed"},
      {"return_window_passed", 409, "return_window_passed"},
      {"unavailable", 503, "unavailable"},
      {"invalid", 422, "invalid_field"},
  };
  for (const auto& m : table)
    if (f.code == m.code)
      return {m.status, m.http_code, f.message, f.field};
  return {422, f.code, f.message, f.field};
}

} // namespace hotline::http
