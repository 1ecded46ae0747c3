// The configuration loader on arbitrary file content. load() reads a whole
// folder, so the harness keeps a copy of config/chongqing in a temporary
// (tmpfs when available) folder, made once, and per input replaces one of
// its files by the input, loads, and puts the original back. loader.hpp
// promises config_exception for every bad configuration: any other
// exception, or a crash, is a finding.
//
// Input: a first line naming the file to replace ("categories.yaml"); when
// it names none, the first byte picks one and the rest is the content.
// The copy's district-boundaries.geojson is a tiny square per district, and
// its communities.csv the first 50 rows, so
// that each of the other inputs costs one load, not one 500 KB parse.

#include "adapters/config/loader.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using hotline::fuzz::check;

const char* const files[] = {
    "hotline.yaml",          "districts.csv",   "townships.csv",
    "departments.yaml",      "categories.yaml", "district-boundaries.geojson",
    "calendar/cn-2026.yaml", "refusals.yaml",   "handlers.yaml",
    "communities.csv",
};
constexpr std::size_t file_count = sizeof(files) / sizeof(files[0]);

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  check(static_cast<bool>(out), "cannot write the fuzz configuration copy");
}

// One square outline per district of districts.csv (first column).
std::string small_boundaries(const fs::path& districts_csv) {
  std::istringstream lines(read(districts_csv));
  std::string line, features;
  std::getline(lines, line); // header
  double x = 106;
  while (std::getline(lines, line)) {
    const std::string code = line.substr(0, line.find(','));
    if (code.empty())
      continue;
    const std::string a = std::to_string(x), b = std::to_string(x + 0.01);
    features += std::string(features.empty() ? "" : ",")
                + R"({"type":"Feature","properties":{"code":")" + code
                + R"("},"geometry":{"type":"Polygon","coordinates":[[[)" + a + ",29],[" + b
                + ",29],[" + b + ",29.01],[" + a + ",29.01],[" + a + ",29]]]}}";
    x += 0.02;
  }
  return R"({"type":"FeatureCollection","features":[)" + features + "]}";
}

struct fixture {
  fs::path dir;
  std::string originals[file_count];

  fixture() {
    // $TMPDIR first: fuzz/run points it at a scratch folder it removes even
    // after a crash, when this destructor never runs.
    const char* tmpdir = std::getenv("TMPDIR");
    std::error_code ec;
    const fs::path base = tmpdir && *tmpdir ? fs::path(tmpdir)
                          : fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0
                              ? fs::path("/dev/shm")
                              : fs::temp_directory_path();
    std::string templ = (base / "hotline-config-fuzz-XXXXXX").string();
    check(mkdtemp(templ.data()) != nullptr, "cannot create the fuzz configuration folder");
    dir = templ;
    fs::copy(fs::path(HOTLINE_SOURCE_DIR) / "config/chongqing", dir, fs::copy_options::recursive);
    write(dir / "district-boundaries.geojson", small_boundaries(dir / "districts.csv"));
    {
      // The first 50 of the 11,270 communities: each load stays cheap.
      std::istringstream all(read(dir / "communities.csv"));
      std::string line, head;
      for (int n = 0; n < 51 && std::getline(all, line); ++n)
        head += line + "\n";
      write(dir / "communities.csv", head);
    }
    for (std::size_t i = 0; i < file_count; ++i)
      originals[i] = read(dir / files[i]);
    // The baseline must load, or every input would only test error paths.
    hotline::config::load(dir);
  }
  ~fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

fixture& the_fixture() {
  static fixture f;
  return f;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  the_fixture();
  // libFuzzer ends with _exit on a crash; at a normal end the static
  // fixture's destructor removes the folder.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  auto& f = the_fixture();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t which = file_count;
  const auto eol = input.find('\n');
  for (std::size_t i = 0; eol != std::string_view::npos && i < file_count; ++i)
    if (input.substr(0, eol) == files[i])
      which = i;
  if (which < file_count) {
    input.remove_prefix(eol + 1);
  } else {
    which = static_cast<unsigned char>(input[0]) % file_count;
    input.remove_prefix(1);
  }
  write(f.dir / files[which], input);
  try {
    hotline::config::load(f.dir);
  } catch (const hotline::config::config_exception& e) {
    check(!e.errors().empty(), "config_exception without errors");
  }
  write(f.dir / files[which], f.originals[which]);
  return 0;
}
