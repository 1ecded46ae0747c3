#include "app/cli_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string_view>

#include "adapters/archive/tables.hpp"

namespace hotline::app {

namespace fs = std::filesystem;

namespace {

/// Columns on a terminal: CJK and other wide characters take two.
std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80 || (b >= 0xc0 && b < 0xe0))
      w += 1;
    else if (b >= 0xe0)
      w += 2;
  }
  return w;
}

} // namespace

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths.resize(std::max(widths.size(), row.size()));
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<config::hotline_config> load_config(const std::string& given) {
  std::string dir = given;
  if (dir.empty()) {
    if (!fs::is_directory("config/chongqing"))
      return std::nullopt;
    dir = "config/chongqing";
  }
  try {
    return config::load(dir);
  } catch (const std::exception& e) {
    throw cli_error{1, "cannot load the configuration " + dir + ": " + e.what()};
  }
}

cli_redis::cli_redis(const std::string& url, const fs::path& data_dir) {
  if (!url.empty()) {
    // The connection layer does not authenticate; a URL with credentials
    // is refused without echoing it, so a password never reaches a log.
    if (url.find('@') != std::string::npos)
      throw cli_error{2, "--redis: URLs with credentials are not supported (URL not shown)"};
    auto ep = redis::endpoint::parse(url);
    if (!ep)
      throw cli_error{2, "--redis must be redis://host:port or unix:///path, got '" + url + "'"};
    ep_ = *ep;
    return;
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  lock_fd_ = ::open((data_dir / "hotlined.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_fd_ < 0)
    throw cli_error{1, "cannot open " + (data_dir / "hotlined.lock").string() + ": "
                           + std::strerror(errno)};
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    // hotlined runs: use its server, where embedded_redis put it.
    hotlined_runs_ = true;
    const fs::path dir = fs::absolute(data_dir) / "redis";
    const fs::path sock = dir / "redis.sock";
    if (sock.string().size() < 100) {
      ep_.socket_path = sock.string();
    } else {
      ep_.host = "127.0.0.1";
      std::ifstream(dir / "redis.port") >> ep_.port;
    }
    return;
  }
  redis::embedded_options opts;
  opts.data_dir = data_dir;
  embedded_ = std::make_unique<redis::embedded_redis>(opts);
  ep_ = embedded_->where();
}

cli_redis::~cli_redis() {
  embedded_.reset();
  if (lock_fd_ >= 0)
    ::close(lock_fd_);
}

config::hotline_config require_config(const std::string& given) {
  auto cfg = load_config(given);
  if (!cfg)
    throw cli_error{2, "no configuration: give --config DIR"};
  return std::move(*cfg);
}

routing::instant as_of_or_now(const std::string& given) {
  if (given.empty())
    return now_ms();
  const auto t = routing::parse_instant(given);
  if (!t)
    throw cli_error{2, "--as-of must be ISO 8601 with an offset, got '" + given + "'"};
  return *t;
}

cli_archive::cli_archive(const std::string& url, const fs::path& data_dir, const cli_redis& redis,
                         bool redis_given, const config::hotline_config& cfg) {
  std::string conninfo = url;
  if (conninfo.empty() && !redis_given && fs::exists(data_dir / "postgres" / "PG_VERSION")) {
    archive::embedded_pg_options o;
    o.data_dir = data_dir;
    o.stop_adopted = !redis.hotlined_runs();
    embedded_ = std::make_unique<archive::embedded_pg>(o);
    conninfo = embedded_->conninfo();
  }
  if (conninfo.empty())
    return;
  pool_ = std::make_unique<archive::pg_pool>(conninfo, 1);
  archive::tables t(*pool_);
  t.ensure_schema();
  archive::facts(*pool_).derive_earlier(
      archive::derive_with(config::policy_of(cfg), cfg.evaluation, cfg.directory));
}

cli_archive::~cli_archive() {
  pool_.reset(); // the connections close before the server stops
  embedded_.reset();
}

} // namespace hotline::app
