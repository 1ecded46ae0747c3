#include "adapters/http/request_parse.hpp"
#include "adapters/http/http_text.hpp"

#include <cstdint>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace hotline::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// --- JSON -----------------------------------------------------------------------

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    } else {
      out += c;
    }
  }
  out += '"';
}

// --- request target ---------------------------------------------------------------

std::string_view to_std(beast::string_view s) {
  return {s.data(), s.size()};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `in` into `out`; false on a malformed escape.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3)
        return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out += static_cast<char>((hi << 4) | lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

/// Strict UTF-8 check: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len)
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
      return false;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

parse_error bad_path(std::string message) {
  return {400, "bad_path", std::move(message), "path"};
}

/// Fills `req.path` and `req.query` from an origin-form `target`.
std::optional<parse_error> parse_target(std::string_view target, request& req) {
  // RFC 9112 §3.2: we serve origin-form only; absolute-form ("http://h/p", meant
  // for proxies), authority-form and asterisk-form are refused.
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.empty() || path.front() != '/')
    return bad_path("request target must be a path starting with '/'");
  // An encoded '/' would let "a%2Fb" pass as one segment here and become two
  // in any component that decodes again, and %00 cuts C strings short: both
  // are ways to reach a route the checks did not see (RFC 3986 §2.2, §7.3).
  for (std::size_t i = 0; i + 2 < path.size(); ++i) {
    if (path[i] == '%'
        && ((path[i + 1] == '2' && (path[i + 2] == 'F' || path[i + 2] == 'f'))
            || (path[i + 1] == '0' && path[i + 2] == '0'))) {
      return bad_path("path must not contain %2F or %00");
    }
  }
  if (!percent_decode(path, false, req.path))
    return bad_path("malformed percent-encoding in path");
  if (!valid_utf8(req.path))
    return bad_path("path is not valid UTF-8");

  const auto question = target.find('?');
  if (question == std::string_view::npos)
    return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  std::vector<std::pair<std::string, std::string>> pairs;
  if (auto problem = parse_urlencoded(query, pairs))
    // The messages clients have always seen.
    return parse_error{400, "bad_request",
                       *problem == "not valid UTF-8" ? "query is not valid UTF-8"
                                                     : *problem + " in query",
                       "query"};
  for (auto& [key, value] : pairs)
    req.query.emplace(std::move(key), std::move(value)); // first occurrence wins
  return std::nullopt;
}

} // namespace

std::optional<std::string> parse_urlencoded(std::string_view text,
                                            std::vector<std::pair<std::string, std::string>>& out) {
  out.clear();
  std::string key;
  std::string value;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty())
      continue;
    const auto eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    const std::string_view raw_value
        = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!percent_decode(raw_key, true, key) || !percent_decode(raw_value, true, value))
      return "malformed percent-encoding";
    if (!valid_utf8(key) || !valid_utf8(value))
      return "not valid UTF-8";
    out.emplace_back(std::move(key), std::move(value));
  }
  return std::nullopt;
}

namespace {

// --- head ----------------------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

parse_error bad_framing(std::string message) {
  return {400, "bad_framing", std::move(message), std::nullopt};
}

/// Checks Transfer-Encoding against Content-Length and the codings we know.
/// Beast itself rejects some combinations (a second chunked, Content-Length
/// after chunked) and frames any other as "no body": we must refuse those
/// before that reading can differ from a front proxy's (request smuggling).
std::optional<parse_error> check_framing(const std::vector<std::string_view>& codings_lines,
                                         bool has_content_length, unsigned version) {
  if (codings_lines.empty())
    return std::nullopt;
  // RFC 9112 §6.1: Transfer-Encoding with Content-Length is a smuggling
  // attempt; a server MAY reject it and MUST close the connection after it.
  if (has_content_length)
    return bad_framing("Transfer-Encoding and Content-Length together");
  // RFC 9112 §6.1: in HTTP/1.0 the framing must be treated as faulty.
  if (version < 11)
    return bad_framing("Transfer-Encoding in an HTTP/1.0 request");
  std::vector<std::string> codings;
  for (auto line : codings_lines) {
    while (!line.empty()) {
      const auto comma = line.find(',');
      const auto item = trim_ows(line.substr(0, comma));
      line = comma == std::string_view::npos ? std::string_view{} : line.substr(comma + 1);
      if (!item.empty()) // RFC 9110 §5.6.1: empty list elements are ignored
        codings.push_back(lower(item));
    }
  }
  // RFC 9112 §6.3 (4): if chunked is not the final coding the length cannot
  // be determined: 400 and close. This covers "xchunked" and "chunked, gzip".
  if (codings.empty() || codings.back() != "chunked")
    return bad_framing("the final transfer coding must be chunked");
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    // RFC 9112 §7: chunked must not be applied more than once.
    if (codings[i] == "chunked")
      return bad_framing("chunked applied more than once");
  }
  // RFC 9112 §6.1: a transfer coding we do not understand (gzip, chunked)
  // SHOULD get a 501; the framing itself was sound.
  if (codings.size() > 1) {
    return parse_error{501, "unsupported_transfer_coding",
                       "only the chunked transfer coding is supported", std::nullopt};
  }
  return std::nullopt;
}

/// RFC 9110 §7.2 Host = uri-host [ ":" port ]; loose: the characters of
/// reg-name, IPv4 and IP-literal, which excludes whitespace and commas.
bool valid_host(std::string_view host) {
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')
                    || std::string_view{"-._~%!$&'()*+;=:[]"}.find(c) != std::string_view::npos;
    if (!ok)
      return false;
  }
  return true;
}

parse_error from_beast(const beast::error_code& ec, const parse_limits& limits) {
  if (ec == bhttp::error::body_limit) {
    return {413, "payload_too_large",
            "request body exceeds the limit of " + std::to_string(limits.body_limit) + " bytes",
            std::nullopt};
  }
  if (ec == bhttp::error::header_limit)
    return {431, "headers_too_large", "request headers are too large", std::nullopt};
  // Beast reports conflicting Content-Length values (RFC 9112 §6.3 (5)) and
  // Transfer-Encoding with Content-Length (§6.1) with these two.
  if (ec == bhttp::error::bad_content_length || ec == bhttp::error::bad_transfer_encoding)
    return bad_framing("conflicting or invalid message framing headers");
  return {400, "bad_request", "malformed HTTP request", std::nullopt};
}

} // namespace

// --- request_reader ----------------------------------------------------------------------

struct request_reader::impl {
  parse_limits limits;
  std::string buffer; // received, not yet parsed
  std::optional<bhttp::request_parser<bhttp::string_body>> parser;
  request pending;
  parse_error error;
  progress state = progress::need_more;
  bool head_reported = false;
  /// The last `put` asked for more bytes.
  bool starved = false;

  void reset() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser->body_limit(static_cast<std::uint64_t>(limits.body_limit));
    pending = {};
    error = {};
    state = progress::need_more;
    head_reported = false;
    starved = false;
  }

  progress fail(parse_error e) {
    error = std::move(e);
    buffer.clear();
    return state = progress::failed;
  }

  /// Validates the head and fills `pending` from it.
  std::optional<parse_error> accept_head() {
    const auto& msg = parser->get();
    std::size_t hosts = 0;
    std::string_view host;
    bool has_content_length = false;
    std::vector<std::string_view> codings;
    for (const auto& f : msg) {
      const auto name = to_std(f.name_string());
      const auto value = to_std(f.value());
      if (f.name() == bhttp::field::host) {
        ++hosts;
        host = value;
      } else if (f.name() == bhttp::field::content_length) {
        has_content_length = true;
      } else if (f.name() == bhttp::field::transfer_encoding) {
        codings.push_back(value);
      }
      pending.headers.emplace_back(lower(name), std::string(value));
    }
    if (auto e = check_framing(codings, has_content_length, msg.version()))
      return e;
    // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any
    // request with several Host lines or an invalid Host value.
    if (hosts == 0 && msg.version() >= 11)
      return parse_error{400, "missing_host", "the Host header is required", std::nullopt};
    if (hosts > 1)
      return parse_error{400, "bad_host", "more than one Host header", std::nullopt};
    if (!valid_host(host))
      return parse_error{400, "bad_host", "invalid Host header", std::nullopt};
    if (auto e = parse_target(to_std(msg.target()), pending))
      return e;
    pending.method = std::string(msg.method_string());
    pending.authorization = pending.header("authorization");
    pending.content_type = pending.header("content-type");
    pending.idempotency_key = pending.header("idempotency-key");
    return std::nullopt;
  }

  progress advance() {
    if (state != progress::need_more)
      return state;
    for (;;) {
      if (parser->is_header_done() && !head_reported) {
        head_reported = true;
        if (auto e = accept_head())
          return fail(std::move(*e));
        parser->eager(true); // from now on parse all buffered body bytes at once
        return progress::head;
      }
      if (parser->is_done()) {
        pending.body = std::move(parser->get().body());
        return state = progress::complete;
      }
      // Beast up to 1.85 asserts that a final chunk resumed after need_more
      // has 5 bytes ("0\r\n" then one byte aborts a build with assertions;
      // boostorg/beast#2861). Nothing we wait for is shorter than 5 bytes
      // ("0\r\n\r\n", "\r\n\r\n" after a start line), so waiting costs nothing.
      if (buffer.empty() || (starved && buffer.size() < 5))
        return progress::need_more;
      beast::error_code ec;
      const bool header_before = parser->is_header_done();
      const auto used = parser->put(asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      starved = ec == bhttp::error::need_more;
      if (starved)
        return progress::need_more;
      if (ec)
        return fail(from_beast(ec, limits));
      if (used == 0 && parser->is_header_done() == header_before && !parser->is_done())
        return progress::need_more; // no progress: never spin
    }
  }
};

request_reader::request_reader(parse_limits limits) : impl_(std::make_unique<impl>()) {
  impl_->limits = limits;
  impl_->reset();
}

request_reader::~request_reader() = default;
request_reader::request_reader(request_reader&&) noexcept = default;
request_reader& request_reader::operator=(request_reader&&) noexcept = default;

void request_reader::append(std::string_view bytes) {
  if (impl_->state != progress::failed)
    impl_->buffer.append(bytes);
}

request_reader::progress request_reader::advance() {
  return impl_->advance();
}

request_reader::progress request_reader::finish() {
  if (impl_->state != progress::need_more)
    return impl_->state;
  if (impl_->buffer.empty() && !impl_->parser->got_some())
    return impl_->state = progress::closed;
  return impl_->fail(parse_error{0, "partial_message", "the client closed mid-request", {}});
}

void request_reader::next() {
  impl_->reset();
}

const parse_error& request_reader::error() const {
  return impl_->error;
}

bool request_reader::expects_continue() const {
  const auto& p = *impl_->parser;
  return p.is_header_done() && !p.is_done() && p.get().version() >= 11
         && beast::iequals(p.get()[bhttp::field::expect], "100-continue");
}

bool request_reader::keep_alive() const {
  const auto& p = *impl_->parser;
  return impl_->state != progress::failed && p.is_header_done() && p.get().keep_alive();
}

unsigned request_reader::version() const {
  return impl_->parser->get().version() == 10 ? 10 : 11;
}

std::string request_reader::log_method() const {
  const auto m = impl_->parser->get().method_string();
  return m.empty() ? "-" : std::string(m);
}

std::string request_reader::log_path() const {
  const auto target = to_std(impl_->parser->get().target());
  const auto path = target.substr(0, target.find_first_of("?#"));
  return path.empty() ? "-" : std::string(path.substr(0, 200));
}

request request_reader::take() {
  return std::move(impl_->pending);
}

std::string request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (beast::iequals(name, beast::string_view(lower_name.data(), lower_name.size())))
      return value;
  }
  return {};
}

// --- error bodies ----------------------------------------------------------------------

std::string error_json(std::string_view code, std::string_view message,
                       const std::optional<std::string>& field) {
  std::string out = R"({"error":{"code":)";
  append_json_string(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += R"(,"field":)";
  if (field) {
    append_json_string(out, *field);
  } else {
    out += "null";
  }
  out += "}}";
  return out;
}

response error_response(int status, std::string_view code, std::string_view message,
                        const std::optional<std::string>& field) {
  response r;
  r.status = status;
  r.body = error_json(code, message, field);
  return r;
}

} // namespace hotline::http
