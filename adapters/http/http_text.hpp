#pragma once
// Small text rules of HTTP that more than one parser here needs.

#include <string_view>

namespace hotline::http {

/// `s` without leading and trailing optional whitespace (OWS: spaces and
/// tabs, RFC 9110 §5.6.3).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace hotline::http
