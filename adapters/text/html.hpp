#pragma once
// HTML escaping for text put into pages and snippets (the knowledge base's
// search snippets, the briefs): & < > " ' become entities, the rest is
// copied as it is (UTF-8 untouched).

#include <string>
#include <string_view>

namespace hotline::text {

void html_escape_into(std::string& out, std::string_view s);

inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  html_escape_into(out, s);
  return out;
}

} // namespace hotline::text
