#pragma once
// The fields of an Open311 POST (GeoReport v2 "POST Service Request", the
// FixMyStreet update extension): application/x-www-form-urlencoded, as
// every client sends, or multipart/form-data, as FixMyStreet sends when it
// uploads photos. Url-encoded bodies go through the server's own decoder
// (http::parse_urlencoded); multipart bodies through GMime, a maintained
// MIME parser (Debian libgmime-3.0). Files in a multipart body are not
// kept: a hotline ticket holds text, and media arrive as `media_url`.

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::open311 {

/// The body cannot be read as a form; `field` names what (a header or a
/// field), the message why. Stable for the 400 answer.
struct form_error : std::runtime_error {
  form_error(std::string f, const std::string& message)
      : std::runtime_error(message), field(std::move(f)) {}
  std::string field;
};

/// A decoded form: every field in order (names may repeat, e.g. a
/// multivaluelist's `attribute[x]`), values valid UTF-8.
struct form {
  std::vector<std::pair<std::string, std::string>> fields;

  /// The first value of `name`; "" if absent (Open311: an empty optional
  /// parameter is treated as absent).
  std::string get(std::string_view name) const;
  bool has(std::string_view name) const { return !get(name).empty(); }
  /// `attribute[CODE]` fields by CODE (first value; `attribute[CODE][]`
  /// too).
  std::map<std::string, std::string> attributes() const;
};

/// Reads `body` as the form its `content_type` says. Throws form_error for
/// another media type (415 is not an Open311 status: the caller answers
/// 400), malformed encoding, invalid UTF-8 or a NUL in a value.
form parse_form(std::string_view content_type, std::string_view body);

} // namespace hotline::open311
