// open311::parse_form on arbitrary bytes (issue 12): the body of an Open311
// POST, read as multipart/form-data (GMime) or url-encoded (the server's
// decoder), as the first byte chooses. It either refuses with form_error or
// returns fields whose names and values are valid UTF-8 without NUL, and
// attributes() only ever returns some of them.

#include "adapters/open311/form.hpp"
#include "fuzz_check.hpp"
#include "routing/privacy.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hotline::fuzz::check;
  if (size == 0)
    return 0;
  const bool multipart = data[0] & 1;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto f = hotline::open311::parse_form(multipart ? "multipart/form-data; boundary=XyZ"
                                                          : "application/x-www-form-urlencoded",
                                                body);
    for (const auto& [k, v] : f.fields) {
      check(hotline::routing::valid_utf8(k) && hotline::routing::valid_utf8(v),
            "a field is valid UTF-8");
      check(v.find('\0') == std::string::npos, "no NUL in a value");
    }
    check(f.attributes().size() <= f.fields.size(), "attributes come from the fields");
  } catch (const hotline::open311::form_error&) {
  }
  return 0;
}
