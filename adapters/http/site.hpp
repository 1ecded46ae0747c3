#pragma once
// The console's and the public pages' static files (issue 15), read into
// memory once at start, so that serving them never touches the disk on an
// io thread. Every page is same-origin only (a strict Content-Security-
// Policy): no script, font, chart or map from any other host.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/http/server.hpp"

namespace hotline::http {

struct site_file {
  /// Shared with every answer that sends it (response::shared_body): no copy.
  std::shared_ptr<const std::string> body;
  std::string content_type;
  std::string etag; // a strong validator of the bytes
};

class site {
 public:
  /// Every regular file under `root` by its path from there ("/index.html",
  /// "/console/app.js"), plus `extra` (URL path → file, e.g. the district
  /// outlines of the configuration). Throws std::runtime_error naming a file
  /// that cannot be read.
  static site load(const std::filesystem::path& root,
                   const std::vector<std::pair<std::string, std::filesystem::path>>& extra);

  /// The file for a GET path: "/" and "/console/" are their folder's
  /// index.html; nullptr when there is none (the API answers 404 then).
  const site_file* find(std::string_view path) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::unordered_map<std::string, site_file> files_;
};

/// The answer for `f`: 304 when `if_none_match` names its ETag; headers that
/// keep it same-origin (CSP), out of frames, and revalidated before reuse.
response site_response(const site_file& f, std::string_view if_none_match);

/// The Content-Type for a file name by its extension (UTF-8 for text).
std::string content_type_of(const std::filesystem::path& p);

} // namespace hotline::http
