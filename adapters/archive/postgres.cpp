#include "adapters/archive/postgres.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <regex>

#include "adapters/monitor/histogram.hpp"

// libpq's types are opaque structs; ours are declared without the typedef.
struct pg_conn;
struct pg_result;

namespace hotline::archive {

namespace {

std::string first_line(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

} // namespace

pg_rows::pg_rows(pg_result* r) : r_(r) {}
pg_rows::~pg_rows() {
  if (r_)
    PQclear(r_);
}
pg_rows::pg_rows(pg_rows&& o) noexcept : r_(o.r_) {
  o.r_ = nullptr;
}
int pg_rows::size() const {
  return r_ ? PQntuples(r_) : 0;
}
std::string pg_rows::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
long long pg_rows::integer(int row, int col) const {
  return std::stoll(text(row, col));
}
bool pg_rows::null(int row, int col) const {
  return PQgetisnull(r_, row, col) != 0;
}
std::string pg_rows::bytes(int row, int col) const {
  std::size_t len = 0;
  unsigned char* raw
      = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row, col)), &len);
  if (!raw)
    throw pg_error("postgres: cannot read a bytea value");
  std::string out(reinterpret_cast<char*>(raw), len);
  PQfreemem(raw);
  return out;
}

pg_connection::pg_connection(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
  if (!c_ || PQstatus(c_) != CONNECTION_OK) {
    const std::string why = c_ ? first_line(PQerrorMessage(c_)) : "out of memory";
    if (c_)
      PQfinish(c_);
    throw pg_error("postgres: cannot connect to " + redact_pg_url(conninfo) + ": " + why);
  }
  // Our own notices (CREATE … IF NOT EXISTS) are not worth a line on stderr.
  PQsetNoticeProcessor(
      c_, [](void*, const char*) {}, nullptr);
}

pg_connection::~pg_connection() {
  if (c_)
    PQfinish(c_);
}

bool pg_connection::ok() const {
  return PQstatus(c_) == CONNECTION_OK;
}

pg_rows pg_connection::exec(const std::string& sql, const std::vector<pg_param>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  const auto t0 = std::chrono::steady_clock::now();
  PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                             values.data(), lengths.data(), formats.data(), 0);
  monitor::postgres_round_trips().observe(std::chrono::steady_clock::now() - t0);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string why = first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c_));
    if (r)
      PQclear(r);
    throw pg_error("postgres: " + why);
  }
  return pg_rows(r);
}

pg_pool::pg_pool(std::string conninfo, std::size_t size)
    : conninfo_(std::move(conninfo)), size_(size ? size : 1) {}

pg_pool::lease pg_pool::acquire() {
  std::unique_ptr<pg_connection> c;
  {
    std::unique_lock<std::mutex> lock(mtx_);
    cv_.wait(lock, [&] { return !idle_.empty() || out_ < size_; });
    ++out_;
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  try {
    if (!c || !c->ok())
      c = std::make_unique<pg_connection>(conninfo_);
  } catch (...) {
    give_back(nullptr);
    throw;
  }
  return lease(this, std::move(c));
}

void pg_pool::give_back(std::unique_ptr<pg_connection> c) {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    --out_;
    if (c && c->ok())
      idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

pg_pool::lease::~lease() {
  if (pool)
    pool->give_back(std::move(conn));
}

std::string redact_pg_url(const std::string& url) {
  static const std::regex userinfo(R"(^(postgres(ql)?://[^:/@]*):[^@]*@)");
  static const std::regex keyword(R"((password\s*=\s*)\S+)");
  return std::regex_replace(std::regex_replace(url, userinfo, "$1:***@"), keyword, "$1***");
}

} // namespace hotline::archive
