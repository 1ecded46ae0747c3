#pragma once
// Full-text search over the knowledge base (issue 13, M-KB-4) with Xapian
// 1.4: Chinese by character n-grams (TermGenerator/QueryParser
// FLAG_CJK_NGRAM), so a query finds words wherever they stand in the text,
// ranked by BM25, with highlighted snippets. Files of its own in a private
// folder (Xapian's glass backend: one writer, any number of readers, so
// searches run side by side), rebuilt from the stored articles at every
// start and kept up to date from their changes, so every node answers the
// same (knowledge::service). The folder is removed with the index.

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "routing/knowledge.hpp"

namespace Xapian {
class Database;
}

namespace hotline::knowledge {

struct search_query {
  std::string text;
  std::string category; // "" any
  std::string district; // "" any; else city-wide articles and those listing it
  std::string unit;     // "" any owner
  /// Which statuses may match; the public gets {published} only.
  std::vector<routing::kb::status> statuses;
  std::size_t limit = 10;
};

struct search_hit {
  std::string id;
  int version = 0;
  routing::kb::status status = routing::kb::status::published;
  std::string title;
  std::string owner;
  std::vector<std::string> categories;
  std::string snippet; // HTML-escaped text, matches in <mark>…</mark>
  double score = 0;    // BM25, higher is better
};

class index {
 public:
  /// The index files go in a fresh folder under `parent`.
  explicit index(const std::filesystem::path& parent = std::filesystem::temp_directory_path());
  ~index();
  index(const index&) = delete;
  index& operator=(const index&) = delete;

  /// Puts the article's searchable versions in place of what was indexed
  /// for it: its live version (status published), its version in work
  /// (draft, submitted, returned), or, retired, its latest as retired.
  void put(const routing::kb::article& a);
  /// The same for many articles, committed together (a rebuild).
  void put_all(const std::vector<routing::kb::article>& articles);
  std::vector<search_hit> search(const search_query& q) const;
  std::size_t documents() const;
  std::uintmax_t bytes_on_disk() const;

 private:
  std::vector<search_hit> search_with(const Xapian::Database& db, const search_query& q) const;
  struct impl;
  std::unique_ptr<impl> impl_;
  mutable std::mutex mtx_; // the writer: one put at a time
};

} // namespace hotline::knowledge
