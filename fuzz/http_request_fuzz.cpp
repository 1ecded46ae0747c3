/// \file
/// libFuzzer target: arbitrary bytes through the request parsing the server
/// uses (`request_reader`: Beast's parser plus our framing, Host and target
/// checks), delivered in pieces the way a socket may deliver them, pipelined
/// requests included.
///
/// Build and run (header-only Beast: no libraries besides the sanitizers'
/// runtimes; the maintained line lives in fuzz/CMakeLists.txt):
///   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
///     fuzz/http_request_fuzz.cpp adapters/http/request_parse.cpp -o http_request_fuzz
///   mkdir -p /tmp/http_corpus && ./http_request_fuzz -max_total_time=60 /tmp/http_corpus \
///     fuzz/corpus/http_request_fuzz  # new inputs go to the first directory
/// Keep Boost's assertions enabled (no NDEBUG): one of Beast's found a bug.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/http/request_parse.hpp"

namespace {

using hotline::http::request_reader;

/// Aborts (a finding for the fuzzer) when a property the handler relies on fails.
void require(bool ok) {
  if (!ok)
    std::abort();
}

/// What the server promises about every request it hands to a handler.
void check(const hotline::http::request& r) {
  require(!r.method.empty());
  require(!r.path.empty() && r.path.front() == '/');
  require(r.path.find('\0') == std::string::npos);
  for (const auto& [name, value] : r.headers) {
    for (char c : name)
      require(!(c >= 'A' && c <= 'Z'));
  }
  require(r.body.size() <= 4096);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The input is the raw stream, so that the seeds are plain requests; a
  // hash of it picks the size of the pieces it arrives in, 1 byte (slowloris)
  // to 256 bytes.
  std::size_t hash = size;
  for (std::size_t i = 0; i < size; ++i)
    hash = hash * 31 + data[i];
  const std::size_t piece = hash % 4 == 0 ? 1 : 1 + hash % 256;
  std::string_view input(reinterpret_cast<const char*>(data), size);

  hotline::http::parse_limits limits;
  limits.header_limit = 2048; // small, so that the fuzzer reaches the limits
  limits.body_limit = 4096;
  request_reader reader(limits);
  bool at_end = false;
  for (int requests = 0; requests < 64;) {
    auto p = reader.advance();
    if (p == request_reader::progress::need_more) {
      if (input.empty()) {
        if (at_end)
          return 0;
        at_end = true;
        p = reader.finish();
      } else {
        const auto n = std::min(piece, input.size());
        reader.append(input.substr(0, n));
        input.remove_prefix(n);
        continue;
      }
    }
    switch (p) {
    case request_reader::progress::need_more:
      continue;
    case request_reader::progress::head:
      (void)reader.expects_continue();
      (void)reader.keep_alive();
      (void)reader.log_method();
      (void)reader.log_path();
      continue;
    case request_reader::progress::complete:
      check(reader.take());
      ++requests;
      if (!reader.keep_alive())
        return 0; // the server closes here
      reader.next();
      continue;
    case request_reader::progress::failed: {
      const auto& e = reader.error();
      require(e.status == 0 || (e.status >= 400 && e.status <= 599));
      require(e.status == 0 || !e.code.empty());
      (void)hotline::http::error_json(e.code, e.message, e.field);
      return 0;
    }
    case request_reader::progress::closed:
      return 0;
    }
  }
  return 0;
}
