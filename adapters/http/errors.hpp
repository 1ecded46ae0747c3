#pragma once
// The one error format of the API, `{"error":{"code","message","field"}}`
// (DESIGN rule 7), and the one place where a domain failure becomes an HTTP
// status.

#include <nlohmann/json.hpp>

#include <string>

#include "actors/interfaces.hpp"
#include "adapters/http/server.hpp"

namespace hotline::http {

/// An error to answer with; thrown inside a handler (or its continuation)
/// and turned into a response by the dispatcher.
struct api_error {
  int status;
  std::string code;
  std::string message;
  std::string field;
  /// Seconds for a Retry-After header (429, 503); 0: none, except 503 (1).
  int retry_after = 0;
};

response json_response(int status, const nlohmann::json& body);
response error_response(const api_error& e);

/// Maps an actor-level failure to its HTTP error (the one mapping).
api_error from_failure(const actors::failure& f);

} // namespace hotline::http
