#pragma once
// The OpenAPI 3.0 document of /api/v1 (issue 12, M-D-2: systems outside
// plug in from a machine-readable description).
//
// One source of truth: the schemas, parameters and answers of every
// operation are in adapters/http/openapi/openapi.json, embedded into the
// binary at build time (CMake writes it into a generated source); who may
// call each operation, its summary and its operationId come from the
// route table when the document is built. `openapi_mismatches` is what the
// tests use to keep the file and the table the same set of operations.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/http/routes.hpp"

namespace hotline::http {

/// The text of adapters/http/openapi/openapi.json as built into this binary.
std::string_view openapi_source();

/// Whether a route belongs in the document: the JSON endpoints under
/// /api/v1 (Open311, /healthz and /metrics are described elsewhere).
bool documented_route(const route& r);

/// The document served at GET /api/v1/openapi.json: the embedded file with,
/// for each operation of `table`, `operationId` (the route's name),
/// `summary` (its Chinese summary), `security` and `x-hotline-access`
/// (anonymous or not, and the roles that may call it). Throws
/// std::runtime_error if the embedded file is not JSON.
nlohmann::json openapi_document(const std::vector<route>& table);

/// Every disagreement between the embedded file and `table`: a documented
/// route missing from the file, an operation of the file with no route.
/// Empty when the two describe the same operations.
std::vector<std::string> openapi_mismatches(const nlohmann::json& file,
                                            const std::vector<route>& table);

} // namespace hotline::http
