#include "adapters/text/html.hpp"

namespace hotline::text {

void html_escape_into(std::string& out, std::string_view s) {
  for (const char ch : s) {
    switch (ch) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += ch;
    }
  }
}

} // namespace hotline::text
