#include "adapters/http/json_input.hpp"
#include "adapters/http/http_text.hpp"

#include <functional>
#include <optional>
#include <set>
#include <vector>

namespace hotline::http {

using nlohmann::json;

namespace {

input_error malformed(std::string message) {
  return {400, "malformed_json", std::move(message), ""};
}

// Offset of the first byte that does not start a shortest-form UTF-8
// sequence of a scalar value (no overlongs, no surrogates, nothing above
// U+10FFFF), or npos. Own code rather than nlohmann's check because that one
// only looks inside strings and does not name the offset.
std::size_t first_invalid_utf8(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto continuation = [&](std::size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  for (std::size_t i = 0; i < s.size();) {
    const unsigned c = byte(i);
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c < 0x80)
      n = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80; // overlong
      hi = c == 0xED ? 0x9F : 0xBF; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      lo = c == 0xF0 ? 0x90 : 0x80; // overlong
      hi = c == 0xF4 ? 0x8F : 0xBF; // above U+10FFFF
    } else
      return i;
    if (n > 1 && (i + 1 >= s.size() || byte(i + 1) < lo || byte(i + 1) > hi))
      return i;
    for (std::size_t k = 2; k < n; ++k)
      if (!continuation(i + k))
        return i;
    i += n;
  }
  return std::string_view::npos;
}

// nlohmann's parse_error text without its prefix and without the "last
// read" excerpt, which would copy the caller's bytes into the answer.
std::string reason_of(const json::parse_error& e) {
  std::string what = e.what();
  const auto column = what.find(", column ");
  const auto start = column == std::string::npos ? std::string::npos : what.find(": ", column);
  std::string reason = start == std::string::npos ? what : what.substr(start + 2);
  const auto excerpt = reason.find("; last read");
  if (excerpt != std::string::npos)
    reason.erase(excerpt);
  return reason;
}

// Walks nlohmann's parser events and refuses what a strict API must: it sees
// every key before the parser stores it, so a duplicate can be caught
// although the finished object only holds the last value.
class strict_reader {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
    case json::parse_event_t::object_start:
    case json::parse_event_t::array_start:
      if (frames_.empty() && event == json::parse_event_t::array_start)
        throw not_an_object();
      if (frames_.size() >= static_cast<std::size_t>(max_json_depth))
        throw input_error{400, "too_deep",
                          "nesting deeper than " + std::to_string(max_json_depth) + " levels",
                          path()};
      frames_.push_back({event == json::parse_event_t::object_start, {}, {}, 0, true});
      break;
    case json::parse_event_t::key: {
      auto& top = frames_.back();
      top.key = parsed.get<std::string>();
      top.expect_key = false;
      if (top.key.find('\0') != std::string::npos)
        throw nul_in(path());
      if (!top.keys.insert(top.key).second)
        throw input_error{400, "duplicate_key", "key appears twice in the same object", path()};
      break;
    }
    case json::parse_event_t::value:
      if (frames_.empty())
        throw not_an_object();
      if (parsed.is_string()
          && parsed.get_ref<const std::string&>().find('\0') != std::string::npos)
        throw nul_in(path());
      element_done();
      break;
    case json::parse_event_t::object_end:
    case json::parse_event_t::array_end:
      frames_.pop_back();
      element_done();
      break;
    }
    return true;
  }

  /// The input_error for a parse error at a raw 0 byte inside a string, at
  /// the string's start offset `string_start`; nullopt when the parser was
  /// not inside a key or value the path can name.
  std::optional<input_error> raw_nul(std::string_view body, std::size_t string_start,
                                     std::size_t nul) {
    if (frames_.empty())
      return std::nullopt;
    auto& top = frames_.back();
    if (top.object && top.expect_key) {
      // The key as far as it was read: decoded when its escapes are whole.
      std::string partial(body.substr(string_start + 1, nul - string_start - 1));
      try {
        partial = json::parse("\"" + partial + "\"").get<std::string>();
      } catch (const json::exception&) {
      }
      top.key = partial + '\0';
    }
    return nul_in(path());
  }

 private:
  struct frame {
    bool object;
    std::set<std::string> keys; // objects only
    std::string key;            // objects: the current key
    std::size_t index;          // arrays: the current element
    bool expect_key;            // objects: a key comes next, not a value
  };

  static input_error not_an_object() { return malformed("request body must be a JSON object"); }

  static input_error nul_in(std::string field) {
    return {400, "invalid_character", "must not contain the NUL character (U+0000)",
            std::move(field)};
  }

  void element_done() {
    if (frames_.empty())
      return;
    auto& top = frames_.back();
    if (top.object)
      top.expect_key = true;
    else
      ++top.index;
  }

  // The path of the element being read: keys joined by '.', indexes as [i].
  std::string path() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.object) {
        if (!out.empty())
          out += '.';
        out += f.key;
      } else {
        out += '[' + std::to_string(f.index) + ']';
      }
    }
    return out;
  }

  std::vector<frame> frames_;
};

// Whether offset `at` of `body` lies inside a string literal, and where that
// literal starts. Only meaningful up to the parser's error offset: everything
// before it was valid JSON, so quotes and escapes pair up.
std::optional<std::size_t> string_around(std::string_view body, std::size_t at) {
  std::optional<std::size_t> start;
  for (std::size_t i = 0; i < at && i < body.size(); ++i) {
    if (!start) {
      if (body[i] == '"')
        start = i;
    } else if (body[i] == '\\') {
      ++i;
    } else if (body[i] == '"') {
      start.reset();
    }
  }
  return start;
}

} // namespace

json parse_json_object(std::string_view body) {
  if (body.empty())
    throw malformed("request body must be a JSON object");
  if (const auto bad = first_invalid_utf8(body); bad != std::string_view::npos)
    throw malformed("request body is not valid UTF-8 at byte offset " + std::to_string(bad));
  // nlohmann reads a 0 byte outside a string as the end of the input (a C
  // string habit), so `{}\0<anything>` would pass: every raw 0 byte is
  // refused here, named by its path when it sits in a string.
  const auto nul = body.find('\0');
  const auto stray_nul = [&] {
    return malformed("request body holds a NUL byte at byte offset " + std::to_string(nul));
  };
  strict_reader reader;
  json out;
  try {
    out = json::parse(body.begin(), body.end(), std::ref(reader));
  } catch (const json::parse_error& e) {
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    if (offset == nul) {
      if (const auto start = string_around(body, offset))
        if (auto error = reader.raw_nul(body, *start, offset))
          throw *error;
      throw stray_nul();
    }
    throw malformed("request body is not valid JSON at byte offset " + std::to_string(offset) + ": "
                    + reason_of(e));
  } catch (const json::out_of_range&) {
    // nlohmann refuses numbers beyond a double (1e400) with out_of_range.
    throw malformed("request body holds a number out of range");
  }
  if (nul != std::string_view::npos)
    throw stray_nul();
  if (!out.is_object())
    throw malformed("request body must be a JSON object");
  return out;
}

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

// RFC 9110 §5.6.2 token characters.
bool is_token(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

bool is_json_media_type(std::string_view type) {
  const auto slash = type.find('/');
  if (slash == std::string_view::npos || !iequals(type.substr(0, slash), "application"))
    return false;
  const auto subtype = type.substr(slash + 1);
  if (!is_token(subtype))
    return false;
  if (iequals(subtype, "json"))
    return true;
  // application/<name>+json (RFC 6839), e.g. application/problem+json.
  return subtype.size() > 5 && iequals(subtype.substr(subtype.size() - 5), "+json");
}

} // namespace

bool is_json_content_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  if (!is_json_media_type(trim_ows(content_type.substr(0, semicolon))))
    return false;
  bool charset_seen = false;
  for (auto rest = semicolon == std::string_view::npos ? std::string_view{}
                                                       : content_type.substr(semicolon + 1);
       ;) {
    const auto next = rest.find(';');
    const auto parameter = trim_ows(rest.substr(0, next));
    if (!parameter.empty()) {
      const auto eq = parameter.find('=');
      if (eq == std::string_view::npos || !iequals(parameter.substr(0, eq), "charset")
          || charset_seen)
        return false;
      auto value = parameter.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      if (!iequals(value, "utf-8"))
        return false;
      charset_seen = true;
    }
    if (next == std::string_view::npos)
      return true;
    rest = rest.substr(next + 1);
  }
}

} // namespace hotline::http
