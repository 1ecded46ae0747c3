#include "adapters/config/reading.hpp"

#include <fstream>
#include <sstream>

namespace hotline::config::reading {

std::string indexed(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

std::string member(std::string_view base, std::string_view name) {
  if (base.empty())
    return std::string(name);
  return std::string(base) + "." + std::string(name);
}

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// ---------------------------------------------------------------------------
// Small syntax checks

bool is_digits(std::string_view s, std::size_t n) {
  return s.size() == n
         && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A function suffix: "urban-management". It becomes part of unit ids and is
// written in categories, so it stays plain lower-case ascii.
bool is_function_name(std::string_view s) {
  if (s.empty() || !(s.front() >= 'a' && s.front() <= 'z') || s.back() == '-')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

// Dot-separated lower-case ascii segments: "cq.housing", "env.noise", at
// least `min_segments` of them. The leading letter keeps these ids apart
// from the numeric district and township codes.
bool is_dotted_name(std::string_view s, std::size_t min_segments) {
  if (s.empty() || s.front() < 'a' || s.front() > 'z')
    return false;
  std::size_t segments = 0;
  for (std::size_t start = 0;;) {
    const std::size_t dot = std::min(s.find('.', start), s.size());
    const std::string_view segment = s.substr(start, dot - start);
    if (segment.empty() || segment.back() == '-'
        || !std::all_of(segment.begin(), segment.end(),
                        [](char c) { return is_lower_alnum(c) || c == '-'; })) {
      return false;
    }
    ++segments;
    if (dot == s.size())
      break;
    start = dot + 1;
  }
  return segments >= min_segments;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// ---------------------------------------------------------------------------
// Files

// The whole file, or an error naming it: a missing file is the most common
// configuration mistake and must say which file.
std::optional<std::string> read_file(const fs::path& path, const std::string& display,
                                     error_sink& errors) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    errors.add(display, "", "missing file");
    return std::nullopt;
  }
  if (!fs::is_regular_file(path, ec)) {
    errors.add(display, "", "not a regular file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.add(display, "", "cannot be read");
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180 as the data files use it: comma separated, fields optionally
// in double quotes, a doubled quote inside quotes is one quote, quoted fields
// may hold commas and line breaks; LF or CRLF; optional UTF-8 BOM).

namespace {

struct csv_record {
  int line = 0; // 1-based line where the record starts
  std::vector<std::string> fields;
};

struct csv_syntax_error {
  int line = 0;
  std::string message;
};

struct csv_document {
  std::vector<csv_record> records;
  std::vector<csv_syntax_error> errors;
};

// Splits CSV text into records. A malformed record is reported and skipped,
// and reading resumes on the line after the one where it started (a stray
// quote would otherwise swallow the lines after it), so that one bad line
// does not hide the others.
csv_document parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);
  csv_document doc;
  std::size_t pos = 0;
  int line = 1;
  const auto at_record_end
      = [&] { return pos >= text.size() || text[pos] == '\n' || text[pos] == '\r'; };
  const auto skip_line_break = [&] {
    if (pos < text.size() && text[pos] == '\r')
      ++pos;
    if (pos < text.size() && text[pos] == '\n')
      ++pos;
    ++line;
  };
  const auto skip_rest_of_line = [&] {
    while (!at_record_end())
      ++pos;
    skip_line_break();
  };

  while (pos < text.size()) {
    const std::size_t record_start = pos;
    csv_record record;
    record.line = line;
    std::optional<std::string> error;
    while (true) {
      std::string field;
      if (pos < text.size() && text[pos] == '"') {
        ++pos;
        bool closed = false;
        while (pos < text.size()) {
          const char c = text[pos];
          if (c == '"') {
            if (pos + 1 < text.size() && text[pos + 1] == '"') {
              field += '"';
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          if (c == '\n')
            ++line;
          field += c;
          ++pos;
        }
        if (!closed) {
          error = "unterminated quoted field";
          break;
        }
        if (!at_record_end() && text[pos] != ',') {
          error = "unexpected character after a closing quote (a quote inside a "
                  "quoted field must be doubled)";
          break;
        }
      } else {
        while (!at_record_end() && text[pos] != ',')
          field += text[pos++];
        if (field.find('"') != std::string::npos) {
          error = "quote inside an unquoted field (quote the whole field and double the quote)";
          break;
        }
      }
      record.fields.push_back(std::move(field));
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      break;
    }
    if (error) {
      doc.errors.push_back({record.line, std::move(*error)});
      pos = record_start;
      line = record.line;
      skip_rest_of_line();
      continue;
    }
    skip_line_break();
    const bool blank = record.fields.size() == 1 && record.fields.front().empty();
    if (!blank)
      doc.records.push_back(std::move(record));
  }
  return doc;
}

} // namespace

std::string line_key(int line) {
  return "line " + std::to_string(line);
}
std::string line_key(int line, std::string_view column) {
  return member(line_key(line), column);
}

// Reads a CSV file whose first line names its columns and picks out the
// `required` columns by name (extra columns are ignored, so a data set with
// more columns still loads). nullopt, with the error reported, when the file
// cannot be used at all.
std::optional<std::vector<csv_row>> load_csv(const fs::path& path, const std::string& display,
                                             std::initializer_list<const char*> required,
                                             error_sink& errors) {
  const auto text = read_file(path, display, errors);
  if (!text)
    return std::nullopt;
  csv_document doc = parse_csv(*text);
  for (const auto& e : doc.errors)
    errors.add(display, line_key(e.line), e.message);
  if (doc.records.empty()) {
    errors.add(display, "", "no header line");
    return std::nullopt;
  }
  const csv_record& header = doc.records.front();
  std::map<std::string, std::size_t> columns;
  bool complete = true;
  for (const char* name : required) {
    const auto it = std::find(header.fields.begin(), header.fields.end(), name);
    if (it == header.fields.end()) {
      errors.add(display, line_key(header.line), "missing column " + in_quotes(name));
      complete = false;
    } else {
      columns[name] = static_cast<std::size_t>(it - header.fields.begin());
    }
  }
  if (!complete)
    return std::nullopt;

  std::vector<csv_row> rows;
  for (std::size_t i = 1; i < doc.records.size(); ++i) {
    const csv_record& record = doc.records[i];
    if (record.fields.size() != header.fields.size()) {
      errors.add(display, line_key(record.line),
                 "expected " + std::to_string(header.fields.size()) + " fields, found "
                     + std::to_string(record.fields.size()));
      continue;
    }
    csv_row row;
    row.line = record.line;
    for (const auto& [name, index] : columns)
      row.values[name] = record.fields[index];
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---------------------------------------------------------------------------
// YAML

// Parses a YAML file whose top level must be a mapping; nullopt (reported)
// otherwise. yaml-cpp's own messages carry the line and column.
std::optional<YAML::Node> load_yaml(const fs::path& path, const std::string& display,
                                    error_sink& errors) {
  const auto text = read_file(path, display, errors);
  if (!text)
    return std::nullopt;
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    errors.add(display, "line " + std::to_string(e.mark.line + 1), "invalid YAML: " + e.msg);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    errors.add(display, "", "expected a mapping at the top level");
    return std::nullopt;
  }
  return root;
}

} // namespace hotline::config::reading
