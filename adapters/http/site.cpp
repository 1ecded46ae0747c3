#include "adapters/http/site.hpp"

#include <fstream>
#include <functional>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace hotline::http {

namespace fs = std::filesystem;

namespace {

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

site_file file_of(const fs::path& p) {
  site_file f;
  f.body = std::make_shared<const std::string>(read_whole(p));
  f.content_type = content_type_of(p);
  std::ostringstream tag;
  tag << '"' << std::hex << std::hash<std::string>{}(*f.body) << '-' << f.body->size() << '"';
  f.etag = tag.str();
  return f;
}

} // namespace

std::string content_type_of(const fs::path& p) {
  static const std::unordered_map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".geojson", "application/geo+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"}};
  const auto i = types.find(p.extension().string());
  return i == types.end() ? "application/octet-stream" : i->second;
}

site site::load(const fs::path& root, const std::vector<std::pair<std::string, fs::path>>& extra) {
  site s;
  if (!root.empty() && fs::is_directory(root)) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file())
        continue;
      const auto rel = fs::relative(entry.path(), root).generic_string();
      s.files_["/" + rel] = file_of(entry.path());
    }
  }
  for (const auto& [path, file] : extra)
    s.files_[path] = file_of(file);
  return s;
}

const site_file* site::find(std::string_view path) const {
  std::string key(path);
  if (!key.empty() && key.back() == '/')
    key += "index.html";
  const auto i = files_.find(key);
  return i == files_.end() ? nullptr : &i->second;
}

response site_response(const site_file& f, std::string_view if_none_match) {
  response out;
  out.headers
      = {// Same origin only; ECharts writes style attributes into its tooltips.
         {"Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
         {"X-Frame-Options", "DENY"},
         {"Referrer-Policy", "no-referrer"},
         {"Cache-Control", "no-cache"},
         {"ETag", f.etag}};
  if (!if_none_match.empty() && if_none_match == f.etag) {
    out.status = 304;
    out.content_type.clear();
    return out;
  }
  out.status = 200;
  out.content_type = f.content_type;
  out.shared_body = f.body;
  return out;
}

} // namespace hotline::http
