#pragma once
// Strict reading of JSON request bodies. nlohmann::json alone accepts what a
// strict API must refuse: it keeps the last of two equal keys (so a client
// and the service may disagree on which "category" was sent), it passes
// U+0000 through to strings that later go to Redis, C APIs and logs, and it
// nests as deep as the input asks. Everything here answers those cases with
// an error the API can return as is.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace hotline::http {

/// Why a request body was refused. The API maps it 1:1 onto its error body
/// {"error":{"code","message","field"}}; `field` is empty when the body as a
/// whole is concerned. Messages never quote the body: it may hold a caller's
/// name or phone.
struct input_error {
  int status;
  std::string code;
  std::string message;
  std::string field;
};

/// Deepest nesting accepted; the top-level object is depth 1. Demands nest
/// three levels; the limit only stops bodies built to exhaust the stack or
/// the allocator further down.
constexpr int max_json_depth = 32;

/// Returns `body` parsed as a JSON object, or throws input_error (status
/// 400) with code:
///   malformed_json     empty body, invalid UTF-8 anywhere, invalid JSON
///                      (the message names the byte offset), a number out
///                      of range, or a top-level value that is not an object;
///   duplicate_key      a key repeated in one object, field = its path;
///   invalid_character  U+0000 in a string or key, escaped (\u0000) or as a
///                      raw 0 byte, field = the path of that string or key;
///   too_deep           nesting deeper than max_json_depth, field = the path
///                      of the container that goes one level too deep.
/// Paths join keys with '.' and array indexes as [i]: "caller.name",
/// "items[2].text". A UTF-8 byte order mark before the object is skipped
/// (RFC 8259 §8.1 lets a parser ignore it). Strings are returned unchanged.
nlohmann::json parse_json_object(std::string_view body);

/// True for a Content-Type that announces JSON: application/json or
/// application/<name>+json, case-insensitive, with no parameter other than
/// charset=utf-8 (quoted or not). False for everything else, including an
/// empty header: a form or multipart body must never reach the JSON parser.
bool is_json_content_type(std::string_view content_type);

} // namespace hotline::http
