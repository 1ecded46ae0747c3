#include "adapters/brief/render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "adapters/text/html.hpp"

namespace hotline::brief {

namespace {

constexpr const char* font_stack = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei',"
                                   "'Microsoft YaHei','PingFang SC',sans-serif";
constexpr std::size_t max_bars = 15;
constexpr int chart_width = 720;

std::string escape(const std::string& s) {
  return text::html_escape(s);
}

// Width of a label in ems: a CJK character is one em, ASCII about half.
double ems(const std::string& s) {
  double w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    w += len >= 3 ? 1.0 : 0.55;
    i += len;
  }
  return w;
}

// The label cut to `max_ems`, whole characters only, with "…" when cut.
std::string fit(const std::string& s, double max_ems) {
  if (ems(s) <= max_ems)
    return s;
  std::string out;
  double w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    const double cw = len >= 3 ? 1.0 : 0.55;
    if (w + cw > max_ems - 1)
      break;
    out.append(s, i, len);
    w += cw;
    i += len;
  }
  return out + "…";
}

std::string number(double v) {
  char buf[32];
  if (std::fabs(v - std::round(v)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string value_text(const chart& c, double v) {
  return c.percent ? percent(v) : number(v) + c.unit;
}

std::string bars(const chart& c, const std::string& title) {
  const std::size_t n = std::min(c.points.size(), max_bars);
  const int label_w = 170, bar_h = 20, gap = 6, top = 8, value_w = 70;
  const int height = top * 2 + static_cast<int>(n) * (bar_h + gap);
  double top_value = 0;
  for (std::size_t i = 0; i < n; ++i)
    top_value = std::max(top_value, c.points[i].value);
  const double scale = top_value > 0 ? (chart_width - label_w - value_w) / top_value : 0;
  std::string s = "<svg xmlns='http://www.w3.org/2000/svg' role='img' width='"
                  + std::to_string(chart_width) + "' height='" + std::to_string(height)
                  + "' viewBox='0 0 " + std::to_string(chart_width) + " " + std::to_string(height)
                  + "' font-family=\"" + font_stack + "\" font-size='13'><title>" + escape(title)
                  + "</title>";
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = c.points[i];
    const int y = top + static_cast<int>(i) * (bar_h + gap);
    const int w = std::max(p.value > 0 ? 1 : 0, static_cast<int>(std::lround(p.value * scale)));
    s += "<text x='" + std::to_string(label_w - 8) + "' y='" + std::to_string(y + 15)
         + "' text-anchor='end' fill='#222'>" + escape(fit(p.label, 12)) + "</text>";
    s += "<rect x='" + std::to_string(label_w) + "' y='" + std::to_string(y) + "' width='"
         + std::to_string(w) + "' height='" + std::to_string(bar_h) + "' fill='#c0392b'/>";
    s += "<text x='" + std::to_string(label_w + w + 6) + "' y='" + std::to_string(y + 15)
         + "' fill='#222'>" + escape(value_text(c, p.value)) + "</text>";
  }
  return s + "</svg>";
}

std::string line(const chart& c, const std::string& title) {
  const int height = 240, left = 56, right = 16, top = 16, bottom = 40;
  const int plot_w = chart_width - left - right, plot_h = height - top - bottom;
  double top_value = c.percent ? 1.0 : 0;
  for (const auto& p : c.points)
    if (std::isfinite(p.value))
      top_value = std::max(top_value, p.value);
  if (top_value <= 0)
    top_value = 1;
  const std::size_t n = c.points.size();
  auto x_of = [&](std::size_t i) {
    return left + (n <= 1 ? plot_w / 2 : static_cast<int>(i * plot_w / (n - 1)));
  };
  auto y_of = [&](double v) { return top + plot_h - static_cast<int>(v / top_value * plot_h); };
  std::string s = "<svg xmlns='http://www.w3.org/2000/svg' role='img' width='"
                  + std::to_string(chart_width) + "' height='" + std::to_string(height)
                  + "' viewBox='0 0 " + std::to_string(chart_width) + " " + std::to_string(height)
                  + "' font-family=\"" + font_stack + "\" font-size='12'><title>" + escape(title)
                  + "</title>";
  // The axes, and the scale at 0, half and the top.
  s += "<line x1='" + std::to_string(left) + "' y1='" + std::to_string(top + plot_h) + "' x2='"
       + std::to_string(left + plot_w) + "' y2='" + std::to_string(top + plot_h)
       + "' stroke='#888'/>";
  for (double f : {0.0, 0.5, 1.0}) {
    const int y = y_of(f * top_value);
    s += "<line x1='" + std::to_string(left) + "' y1='" + std::to_string(y) + "' x2='"
         + std::to_string(left + plot_w) + "' y2='" + std::to_string(y)
         + "' stroke='#e3e3e3'/><text x='" + std::to_string(left - 6) + "' y='"
         + std::to_string(y + 4) + "' text-anchor='end' fill='#555'>"
         + escape(value_text(c, f * top_value)) + "</text>";
  }
  std::string path;
  const std::size_t every = std::max<std::size_t>(1, (n + 9) / 10);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = c.points[i];
    if (i % every == 0 || i + 1 == n)
      s += "<text x='" + std::to_string(x_of(i)) + "' y='" + std::to_string(height - 14)
           + "' text-anchor='middle' fill='#555'>" + escape(fit(p.label, 6)) + "</text>";
    if (!std::isfinite(p.value))
      continue; // a day without callbacks: a gap, not a zero
    const std::string xy = std::to_string(x_of(i)) + "," + std::to_string(y_of(p.value));
    path += (path.empty() ? "M" : " L") + xy;
    s += "<circle cx='" + std::to_string(x_of(i)) + "' cy='" + std::to_string(y_of(p.value))
         + "' r='3' fill='#1f5fa8'><title>" + escape(p.label + " " + value_text(c, p.value))
         + "</title></circle>";
  }
  if (!path.empty())
    s += "<path d='" + path + "' fill='none' stroke='#1f5fa8' stroke-width='2'/>";
  return s + "</svg>";
}

std::string table_html(const table& t) {
  std::string s = "<table><thead><tr>";
  for (const auto& c : t.columns)
    s += "<th scope='col'>" + escape(c) + "</th>";
  s += "</tr></thead><tbody>";
  if (t.rows.empty())
    s += "<tr><td colspan='" + std::to_string(std::max<std::size_t>(1, t.columns.size()))
         + "' class='empty'>本期无数据</td></tr>";
  for (const auto& r : t.rows) {
    s += "<tr>";
    for (const auto& cell : r)
      s += "<td>" + escape(cell) + "</td>";
    s += "</tr>";
  }
  return s + "</tbody></table>";
}

std::string csv_cell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos)
    return v;
  std::string out = "\"";
  for (char ch : v)
    out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

} // namespace

std::string percent(double rate) {
  if (!std::isfinite(rate))
    return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

std::string svg(const chart& c, const std::string& title) {
  return c.kind == chart::shape::bars ? bars(c, title) : line(c, title);
}

std::string csv(const table& t) {
  std::string s = "\xEF\xBB\xBF";
  auto row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i)
      s += (i ? "," : "") + csv_cell(cells[i]);
    s += "\r\n";
  };
  row(t.columns);
  for (const auto& r : t.rows)
    row(r);
  return s;
}

std::string html(const document& d) {
  std::string s
      = "<!doctype html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>"
        + escape(d.title) + "</title><style>body{font-family:" + font_stack
        + ";color:#222;max-width:780px;margin:24px auto;padding:0 12px;line-height:1.5}"
          "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;"
          "border-bottom:2px solid #c0392b;padding-bottom:4px}"
          ".meta{color:#555;font-size:13px}.note{color:#444;font-size:14px;margin:4px 0}"
          ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}"
          ".card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:130px}"
          ".card b{display:block;font-size:22px}.card span{font-size:13px;color:#555}"
          "table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}"
          "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}"
          "th{background:#f4f4f4}td.empty{color:#777;text-align:center}"
          "svg{max-width:100%;height:auto}.csv{font-size:12px;color:#555}"
          "@media print{body{margin:0}}</style></head><body>";
  s += "<h1>" + escape(d.title) + "</h1><p class='meta'>统计周期：" + escape(d.period)
       + "　生成时间：" + escape(d.generated) + "</p>";
  if (!d.headline.empty()) {
    s += "<div class='cards'>";
    for (const auto& [label, value] : d.headline)
      s += "<div class='card'><b>" + escape(value) + "</b><span>" + escape(label) + "</span></div>";
    s += "</div>";
  }
  for (const auto& sec : d.sections) {
    s += "<section><h2>" + escape(sec.title) + "</h2>";
    if (!sec.note.empty())
      s += "<p class='note'>" + escape(sec.note) + "</p>";
    if (sec.figure && !sec.figure->points.empty())
      s += "<figure>" + svg(*sec.figure, sec.title) + "</figure>";
    s += table_html(sec.data);
    if (!sec.data.id.empty())
      s += "<p class='csv'>表格数据：" + escape(sec.data.id) + ".csv</p>";
    s += "</section>";
  }
  return s + "</body></html>\n";
}

} // namespace hotline::brief
