#include "adapters/open311/form.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "adapters/http/request_parse.hpp"
#include "routing/privacy.hpp"

namespace hotline::open311 {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The media type of a Content-Type value, lower-cased, without parameters.
std::string media_type(std::string_view content_type) {
  auto t = lower(content_type.substr(0, content_type.find(';')));
  t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
  return t;
}

struct unref {
  void operator()(void* p) const {
    if (p)
      g_object_unref(p);
  }
};
template <class T>
using gobj = std::unique_ptr<T, unref>;

void check_value(const std::string& name, const std::string& value) {
  if (!routing::valid_utf8(name) || !routing::valid_utf8(value))
    throw form_error(name, "not valid UTF-8");
  if (value.find('\0') != std::string::npos)
    throw form_error(name, "must not contain NUL");
}

// multipart/form-data (RFC 7578) through GMime: the HTTP Content-Type
// becomes the MIME entity's header, the body its content.
form parse_multipart(std::string_view content_type, std::string_view body) {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
  std::string entity = "Content-Type: " + std::string(content_type) + "\r\n\r\n";
  entity.append(body);
  gobj<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(entity.data(), entity.size()));
  gobj<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  gobj<GMimeObject> root(g_mime_parser_construct_part(parser.get(), nullptr));
  if (!root || !GMIME_IS_MULTIPART(root.get()))
    throw form_error("Content-Type", "not a multipart body");
  auto* multipart = GMIME_MULTIPART(root.get());
  const int n = g_mime_multipart_get_count(multipart);
  if (n <= 0)
    throw form_error("Content-Type", "no parts: check the boundary parameter");
  form out;
  for (int i = 0; i < n; ++i) {
    GMimeObject* part = g_mime_multipart_get_part(multipart, i);
    if (!GMIME_IS_PART(part))
      continue; // nested multiparts (several files of a field) are files
    GMimeContentDisposition* d = g_mime_object_get_content_disposition(part);
    const char* name = d ? g_mime_content_disposition_get_parameter(d, "name") : nullptr;
    if (name == nullptr)
      throw form_error("Content-Disposition", "a part without a name");
    if (g_mime_part_get_filename(GMIME_PART(part)) != nullptr)
      continue; // an uploaded file (a photo): not kept, see the header
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
    std::string value;
    if (content != nullptr) {
      gobj<GMimeStream> mem(g_mime_stream_mem_new());
      g_mime_data_wrapper_write_to_stream(content, mem.get());
      GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
      value.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
    }
    check_value(name, value);
    out.fields.emplace_back(name, std::move(value));
  }
  return out;
}

} // namespace

std::string form::get(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name)
      return v;
  return "";
}

std::map<std::string, std::string> form::attributes() const {
  std::map<std::string, std::string> out;
  const std::string_view open = "attribute[";
  for (const auto& [k, v] : fields) {
    if (k.size() <= open.size() + 1 || k.compare(0, open.size(), open) != 0)
      continue;
    auto code = std::string_view(k).substr(open.size());
    if (code.size() >= 2 && code.substr(code.size() - 2) == "[]")
      code.remove_suffix(2);
    if (code.empty() || code.back() != ']')
      continue;
    code.remove_suffix(1);
    out.emplace(std::string(code), v); // first value wins
  }
  return out;
}

form parse_form(std::string_view content_type, std::string_view body) {
  const auto type = media_type(content_type);
  if (type == "multipart/form-data")
    return parse_multipart(content_type, body);
  if (type != "application/x-www-form-urlencoded" && !(type.empty() && body.empty()))
    throw form_error("Content-Type",
                     "send application/x-www-form-urlencoded or multipart/form-data");
  form out;
  if (auto problem = http::parse_urlencoded(body, out.fields))
    throw form_error("body", *problem);
  for (const auto& [k, v] : out.fields)
    check_value(k, v);
  return out;
}

} // namespace hotline::open311
