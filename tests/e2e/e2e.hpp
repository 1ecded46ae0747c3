#pragma once
// Shared helpers of the end-to-end tests: the real hotlined over real HTTP.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/service_process.hpp"

namespace hotline::test {

using nlohmann::json;

/// A demand in 渝中区, at 解放碑, about a matter a street handles. Each
/// request id is a different caller (the middle digits of the phone come
/// from it), so demands are not linked as repeats (M-S-2) unless a test
/// gives two of them the same caller.
inline json yuzhong_demand(const std::string& request_id) {
  const auto middle = std::to_string(1000 + std::hash<std::string>{}(request_id) % 9000);
  return {
      {"request_id", request_id},
      {"channel", "phone"},
      {"caller", {{"name", "张三丰"}, {"phone", "138-" + middle + "-5678"}}},
      {"kind", "complaint"},
      {"category", "env.noise"},
      {"content", "解放碑步行街附近工地夜间施工，噪音扰民"},
      {"location",
       {{"address", "重庆市渝中区解放碑街道民族路188号"}, {"lat", 29.5580}, {"lon", 106.5776}}}};
}

inline json body_of(const http_result& r) {
  auto j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.body;
  return j;
}

/// Asserts the stable error format and returns the error object.
inline json expect_error(const http_result& r, int status, const std::string& code,
                         const json& field) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = body_of(r);
  EXPECT_TRUE(j.contains("error")) << r.body;
  if (!j.contains("error"))
    return {};
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_EQ(j["error"]["field"], field) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string());
  return j["error"];
}

/// A test suite sharing one hotlined, started before its first test and
/// stopped after its last. `Flags` names the data dir (`tag`) and gives the
/// extra command-line flags (`extra()`).
template <class Flags>
struct service_suite : ::testing::Test {
  static inline std::unique_ptr<temp_dir> data;
  static inline std::unique_ptr<service_process> service;
  static void SetUpTestSuite() {
    data = std::make_unique<temp_dir>(Flags::tag);
    service = std::make_unique<service_process>(data->path(), Flags::extra());
  }
  static void TearDownTestSuite() {
    service.reset();
    data.reset();
  }
  http_client http{"127.0.0.1", service->port()};
};

/// How many tickets exist (the store's set of every ticket number).
inline long long ticket_count(const redis::endpoint& ep) {
  redis::connection c(ep);
  auto r = c.command({"SCARD", "hl:tickets"});
  redis::check(r.get(), "SCARD");
  return redis::reply_integer(r.get());
}

/// The same, in the embedded Redis of data dir `data`.
inline long long ticket_count(const temp_dir& data) {
  redis::endpoint ep;
  ep.socket_path = (data.path() / "redis" / "redis.sock").string();
  return ticket_count(ep);
}

inline std::string unit_token(const temp_dir& data, const std::string& unit) {
  return run_cli({"token", "--data-dir", data.path().string(), "--unit", unit});
}

inline std::string office_token(const temp_dir& data) {
  return run_cli({"token", "--data-dir", data.path().string(), "--office"});
}

/// An automation token of the office or of unit `unit` ("" = the office)
/// holding `role` (M-U-1).
inline std::string role_token(const temp_dir& data, const std::string& role,
                              const std::string& unit = "") {
  std::vector<std::string> args{"token", "--data-dir", data.path().string(), "--role", role};
  if (unit.empty())
    args.push_back("--office");
  else
    args.insert(args.end(), {"--unit", unit});
  return run_cli(args);
}

} // namespace hotline::test
