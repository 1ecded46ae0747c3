#pragma once
// Issue 14 item 5 (M-D-1): a brief for decision makers, rendered from its
// figures. Pure: figures in, text out (one self-contained HTML page with
// inline SVG charts, and a CSV per table); gathering the figures is
// adapters/brief/gather.
//
// Charts are drawn as SVG here rather than with a charting library: the page
// must open offline, be printed and mailed as one file, and read the same in
// every browser; Chinese labels use the CJK fonts of the reader's system
// (the font stack below), never a download.

#include <optional>
#include <string>
#include <vector>

namespace hotline::brief {

/// A table as it is shown and exported: cells are already formatted text.
struct table {
  std::string id; // file name of its CSV: `<id>.csv` (ASCII: [a-z0-9_])
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

struct point {
  std::string label;
  double value = 0;
};

struct chart {
  enum class shape { bars, line };
  shape kind = shape::bars;
  std::vector<point> points;
  std::string unit;     // "件", "%": appended to values
  bool percent = false; // values are rates in [0, 1], shown as percentages
};

struct section {
  std::string title;
  std::string note; // one sentence under the title, may be empty
  std::optional<chart> figure;
  table data;
};

struct document {
  std::string title;     // 重庆市12345热线 月报 2026年11月
  std::string period;    // 2026-11 or 2026-11-30
  std::string generated; // 2026-12-01 08:00 (Asia/Shanghai)
  /// The headline figures: label → formatted value, shown as cards.
  std::vector<std::pair<std::string, std::string>> headline;
  std::vector<section> sections;
};

/// The whole page: UTF-8, lang zh-CN, no script, no outside request.
std::string html(const document& d);

/// RFC 4180 CSV of one table, UTF-8 with a byte-order mark so that Excel and
/// WPS open Chinese text correctly.
std::string csv(const table& t);

/// One SVG chart (exposed for tests).
std::string svg(const chart& c, const std::string& title);

/// "37.5%" for 0.375, "—" for NaN (no tickets behind the rate).
std::string percent(double rate);

} // namespace hotline::brief
