// GET /api/v1/openapi.json against the real hotlined (issue 12, M-D-2):
// every documented operation is called over real HTTP, and the document
// and every real answer are checked by a real OpenAPI validator
// (JSON::Validator, Debian libjson-validator-perl, run by
// tests/e2e/openapi_check.pl), so the document cannot drift from the code.
#include "tests/e2e/e2e.hpp"

#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>

#include "routing/civil_time.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct openapi_flags {
  static constexpr const char* tag = "hotline-openapi";
  static std::vector<std::string> extra() { return {}; }
};

/// What the validator said: its exit status and everything it printed.
struct check_result {
  int exit_code = -1;
  std::string output;
};

/// Runs tests/e2e/openapi_check.pl on `doc` and `answers` (files); waits for it.
check_result run_check(const std::filesystem::path& doc, const std::filesystem::path& answers) {
  const std::string cmd = "perl '" + std::string(HOTLINE_SOURCE_DIR)
                          + "/tests/e2e/openapi_check.pl' '" + doc.string() + "' '"
                          + answers.string() + "' 2>&1";
  check_result out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p)
    return out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p))
    out.output.append(buf, n);
  const int status = ::pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

struct openapi : service_suite<openapi_flags> {
  /// Every answer seen, as the validator reads them (one JSON a line).
  static inline std::vector<json> answers;

  /// Calls `method target` (a concrete path, `path` its documented
  /// template), records the answer and expects `status`.
  json call(const std::string& method, const std::string& path, const std::string& target,
            const std::string& token, const std::string& body, int status) {
    auto r = http.request(method, target, body, token, body.empty() ? "" : "application/json");
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    answers.push_back({{"method", method},
                       {"path", path},
                       {"status", r.status},
                       {"content_type", r.headers["content-type"]},
                       {"body", r.body}});
    if (r.body.empty())
      return json();
    return json::parse(r.body, nullptr, false);
  }
  json get(const std::string& path, const std::string& target, const std::string& token = "",
           int status = 200) {
    return call("GET", path, target, token, "", status);
  }
  json post(const std::string& path, const std::string& target, const json& body,
            const std::string& token = "", int status = 200) {
    return call("POST", path, target, token, body.dump(), status);
  }
};

} // namespace

TEST_F(openapi, EveryDocumentedOperationAnswersAsTheDocumentSays_M_D_2) {
  const auto office = office_token(*data);
  const auto sup = role_token(*data, "supervisor");
  const auto admin = role_token(*data, "admin");
  const auto auditor = role_token(*data, "auditor");
  const auto op = role_token(*data, "operator");
  const std::string street = "500103003";
  const auto st = unit_token(*data, street);
  const auto district = unit_token(*data, "500103");

  // The document itself, and the public catalogs.
  auto doc = get("/api/v1/openapi.json", "/api/v1/openapi.json");
  ASSERT_TRUE(doc.is_object());
  get("/api/v1/categories", "/api/v1/categories");
  get("/api/v1/units", "/api/v1/units?kind=township&parent=500103");
  get("/api/v1/units", "/api/v1/units?kind=street", "", 422);
  get("/api/v1/refusal-rules", "/api/v1/refusal-rules");
  get("/api/v1/cluster", "/api/v1/cluster", sup);
  get("/api/v1/cluster", "/api/v1/cluster", "", 401);

  // Intake: dispatched, coordinating, disposed of at once, refused input.
  const std::string d = "/api/v1/demands";
  auto t = post(d, d, yuzhong_demand("oa-1"), "", 201);
  const std::string no = t["ticket_no"];
  const std::string code = t["extraction_code"];
  auto vague = yuzhong_demand("oa-2");
  vague["location"] = {{"address", "重庆市某小区"}};
  post(d, d, vague, "", 201);
  post(d, d,
       {{"request_id", "oa-3"},
        {"channel", "phone"},
        {"caller", {{"name", "王五"}, {"phone", "13900002222"}}},
        {"kind", "consultation"},
        {"content", "问公积金"},
        {"disposal", {{"type", "direct_answer"}, {"answer", "请拨打公积金中心"}}},
        {"location", {{"address", "重庆市渝中区"}}}},
       office, 201);
  post(d, d, {{"request_id", "oa-4"}}, "", 400);
  // Issue 15: the operator's routing preview, which writes nothing.
  const std::string pv = "/api/v1/routing/preview";
  auto preview = yuzhong_demand("oa-preview");
  post(pv, pv, preview, op);
  post(pv, pv, preview, "", 401);
  post(pv, pv, {{"kind", "complaint"}, {"category", "env.noise"}}, op, 400);

  // Worklists and overviews.
  get("/api/v1/coordination", "/api/v1/coordination", sup);
  get("/api/v1/returns", "/api/v1/returns", sup);
  get("/api/v1/units/{unit_id}/inbox", "/api/v1/units/" + street + "/inbox?limit=5", st);
  get("/api/v1/units/{unit_id}/inbox", "/api/v1/units/500103001/inbox", st, 403);
  get("/api/v1/units/{unit_id}/overview", "/api/v1/units/500103/overview", district);
  get("/api/v1/office/overview", "/api/v1/office/overview", sup);
  // Issue 14 item 4 (M-D-1): the city's overview and the warnings.
  get("/api/v1/overview", "/api/v1/overview", op);
  get("/api/v1/warnings", "/api/v1/warnings?from=2026-01-01&to=2030-01-01", sup);
  get("/api/v1/warnings", "/api/v1/warnings?from=yesterday", sup, 422);
  // The event streams: only their refusals are JSON (a stream stays open).
  get("/api/v1/units/{unit_id}/events", "/api/v1/units/" + street + "/events", "", 401);
  get("/api/v1/office/events", "/api/v1/office/events", "", 401);

  // One ticket through every step a unit and the office take.
  const std::string tk = "/api/v1/tickets/" + no;
  const auto due = routing::parse_instant(t["deadline"].get<std::string>());
  ASSERT_TRUE(due);
  const auto later = routing::format_instant(*due + 14LL * 24 * 3600 * 1000); // M-DL-5
  get("/api/v1/tickets/{no}", tk + "?code=" + code);
  get("/api/v1/tickets/{no}", tk, office);
  get("/api/v1/tickets/{no}", tk + "?code=" + (code == "000000" ? "000001" : "000000"), "", 404);
  post("/api/v1/tickets/{no}/accept", tk + "/accept", json::object(), st);
  post("/api/v1/tickets/{no}/accept", tk + "/accept", json::object(), st, 409);
  post("/api/v1/tickets/{no}/handler", tk + "/handler",
       {{"handler_unit_id", "cq.power"}, {"instruction", "请核查工地临时用电"}}, st);
  post("/api/v1/tickets/{no}/handler-report", tk + "/handler-report", {{"text", "已核查"}},
       unit_token(*data, "cq.power"));
  post("/api/v1/tickets/{no}/extension", tk + "/extension",
       {{"reason", "需联合核查"}, {"progress", "已到现场"}, {"new_deadline", later}}, st);
  post("/api/v1/tickets/{no}/extension/decision", tk + "/extension/decision",
       {{"approve", true}, {"note", "同意"}}, district);
  post("/api/v1/tickets/{no}/escalate", tk + "/escalate", {{"reason", "多次来电催促"}}, sup);
  post("/api/v1/tickets/{no}/reply", tk + "/reply", {{"text", "已责令停止夜间施工"}}, st);
  post("/api/v1/tickets/{no}/callback", tk + "/callback",
       {{"satisfaction", "satisfied"}, {"resolved", true}}, sup);
  get("/api/v1/tickets/{no}/timeline", tk + "/timeline", office);
  post("/api/v1/tickets/{no}/caller-contact", tk + "/caller-contact", {{"purpose", "callback"}},
       op);
  post("/api/v1/tickets/{no}/caller-contact", tk + "/caller-contact", {{"purpose", "curiosity"}},
       op, 422);

  // Another: returned, designated to a lead and a cooperating unit.
  auto t2 = post(d, d, yuzhong_demand("oa-5"), "", 201);
  const std::string tk2 = "/api/v1/tickets/" + t2["ticket_no"].get<std::string>();
  post("/api/v1/tickets/{no}/return", tk2 + "/return", {{"reason", "不属于本街道"}}, st);
  post("/api/v1/tickets/{no}/designation", tk2 + "/designation",
       {{"lead_unit_id", "500103.urban-management"},
        {"cooperating_unit_ids", {"500103.housing"}},
        {"reason", "城管牵头"}},
       sup);
  post("/api/v1/tickets/{no}/opinion", tk2 + "/opinion", {{"text", "已核查施工许可"}},
       unit_token(*data, "500103.housing"));

  // The knowledge base: draft, revise, submit, review, read, search, retire.
  const json article{{"title", "夜间施工"},         {"body", "须办理夜间施工许可"},
                     {"categories", {"env.noise"}}, {"keywords", {"噪音"}},
                     {"districts", {"500103"}},     {"review_by", "2099-06-30"},
                     {"internal_note", "内部"}};
  auto kb = post("/api/v1/kb/articles", "/api/v1/kb/articles", article, st, 201);
  const std::string kbp = "/api/v1/kb/articles/" + kb["id"].get<std::string>();
  auto revised = article;
  revised["title"] = "夜间施工噪音";
  call("PUT", "/api/v1/kb/articles/{id}", kbp, st, revised.dump(), 200);
  post("/api/v1/kb/articles/{id}/submit", kbp + "/submit", json::object(), st);
  post("/api/v1/kb/articles/{id}/review", kbp + "/review", {{"decision", "approve"}}, sup);
  get("/api/v1/kb/articles/{id}", kbp);
  get("/api/v1/kb/articles/{id}", kbp, st);
  get("/api/v1/kb/search", "/api/v1/kb/search?q=" + url_encode("施工"));
  get("/api/v1/kb/search", "/api/v1/kb/search", "", 422);
  // Questions without an article, maintenance requests, statistics.
  get("/api/v1/kb/gaps", "/api/v1/kb/gaps", sup);
  get("/api/v1/kb/gaps", "/api/v1/kb/gaps?period=2026-13", sup, 422);
  auto kr = post("/api/v1/kb/requests", "/api/v1/kb/requests",
                 {{"unit_id", street}, {"category", "env.noise"}, {"note", "请补充夜间施工条目"}},
                 sup, 201);
  get("/api/v1/kb/requests", "/api/v1/kb/requests", st);
  post("/api/v1/kb/requests/{id}/close",
       "/api/v1/kb/requests/" + kr["id"].get<std::string>() + "/close", {{"article_id", kb["id"]}},
       st);
  get("/api/v1/kb/stats", "/api/v1/kb/stats", sup);
  get("/api/v1/kb/stats", "/api/v1/kb/stats?period=2026-11", st);
  // The units' evaluation (issue 14, M-E-1) and the tickets behind a figure.
  get("/api/v1/evaluation", "/api/v1/evaluation?period=2026-11", sup);
  get("/api/v1/evaluation", "/api/v1/evaluation?period=2026&kind=township", st);
  get("/api/v1/evaluation", "/api/v1/evaluation?period=2026-13", sup, 422);
  get("/api/v1/evaluation/tickets",
      "/api/v1/evaluation/tickets?period=2026-11&figure=received&unit=" + street, sup);
  get("/api/v1/evaluation/tickets",
      "/api/v1/evaluation/tickets?period=2026-11&figure=response_rate&unit=" + street, st);
  post("/api/v1/kb/articles/{id}/retire", kbp + "/retire", {{"reason", "职责调整"}}, sup);

  // People and sessions.
  post("/api/v1/users", "/api/v1/users",
       {{"username", "oa.operator"},
        {"display_name", "话务员甲"},
        {"unit_id", "office"},
        {"roles", {"operator"}},
        {"password", "a long passphrase"}},
       admin, 201);
  get("/api/v1/users", "/api/v1/users", admin);
  auto session = post("/api/v1/session", "/api/v1/session",
                      {{"username", "oa.operator"}, {"password", "a long passphrase"}}, "", 201);
  const std::string s1 = session.value("token", "");
  post("/api/v1/session", "/api/v1/session", {{"username", "oa.operator"}, {"password", "wrong"}},
       "", 401);
  get("/api/v1/session", "/api/v1/session", s1);
  call("DELETE", "/api/v1/session", "/api/v1/session", s1, "", 204);
  post("/api/v1/users/{username}/disable", "/api/v1/users/oa.operator/disable", json::object(),
       admin);
  post("/api/v1/users/{username}/enable", "/api/v1/users/oa.operator/enable", json::object(),
       admin);

  // Webhooks, to a real receiver.
  webhook_receiver receiver("openapi-webhook-secret-0123");
  auto wh = post("/api/v1/webhooks", "/api/v1/webhooks",
                 {{"url", receiver.url()}, {"secret", "openapi-webhook-secret-0123"}}, sup, 201);
  const std::string whp = "/api/v1/webhooks/" + wh["id"].get<std::string>();
  get("/api/v1/webhooks", "/api/v1/webhooks", sup);
  get("/api/v1/webhooks/{webhook_id}", whp, sup);
  get("/api/v1/webhooks/{webhook_id}/dead-letters", whp + "/dead-letters", sup);
  post("/api/v1/webhooks/{webhook_id}/dead-letters/replay", whp + "/dead-letters/replay",
       json::object(), sup, 202);
  call("DELETE", "/api/v1/webhooks/{webhook_id}", whp, sup, "", 204);
  get("/api/v1/webhooks/{webhook_id}", whp, sup, 404);

  // The audit log.
  get("/api/v1/audit", "/api/v1/audit?limit=50", auditor);
  get("/api/v1/audit", "/api/v1/audit", sup, 403);

  // Every operation of the document was called, and (but for the streams)
  // answered at least once with success.
  std::set<std::pair<std::string, std::string>> called, succeeded;
  for (const auto& a : answers) {
    std::string m = a["method"];
    for (auto& ch : m)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    called.emplace(a["path"], m);
    if (a["status"].get<int>() < 300)
      succeeded.emplace(a["path"], m);
  }
  for (const auto& item : doc["paths"].items())
    for (const auto& o : item.value().items()) {
      const std::pair<std::string, std::string> key{item.key(), o.key()};
      EXPECT_TRUE(called.count(key)) << o.key() << " " << item.key() << " was never called";
      const bool stream = item.key().find("/events") != std::string::npos;
      EXPECT_TRUE(stream || succeeded.count(key))
          << o.key() << " " << item.key() << " never succeeded";
    }

  // The real validator: the document is OpenAPI 3.0, every answer matches it.
  temp_dir dir("hotline-openapi-check");
  write_file(dir.path() / "openapi.json", doc.dump());
  std::string lines;
  for (const auto& a : answers)
    lines += a.dump() + "\n";
  write_file(dir.path() / "answers.jsonl", lines);
  auto checked = run_check(dir.path() / "openapi.json", dir.path() / "answers.jsonl");
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("answers: 0 problems"), std::string::npos) << checked.output;
}

TEST_F(openapi, TheValidatorRefusesAnAnswerOrADocumentThatBreaksTheRules) {
  // Guards the guard: the check above could pass by checking nothing.
  auto doc = body_of(http.get("/api/v1/openapi.json"));
  temp_dir dir("hotline-openapi-check");
  write_file(dir.path() / "openapi.json", doc.dump());
  auto error_without_code = json{{"method", "GET"},
                                 {"path", "/api/v1/tickets/{no}"},
                                 {"status", 404},
                                 {"content_type", "application/json"},
                                 {"body", R"({"error":{"message":"x","field":null}})"}};
  auto time_in_utc
      = json{{"method", "GET"},
             {"path", "/api/v1/tickets/{no}/timeline"},
             {"status", 200},
             {"content_type", "application/json"},
             {"body", R"({"ticket_no":"20261130-000001","status":"closed","steps":[)"
                      R"({"type":"registered","at":"2026-11-30T01:00:00Z",)"
                      R"("actor":"caller","label_zh":"登记","label_en":"registered"}]})"}};
  write_file(dir.path() / "answers.jsonl",
             error_without_code.dump() + "\n" + time_in_utc.dump() + "\n");
  auto bad = run_check(dir.path() / "openapi.json", dir.path() / "answers.jsonl");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("/body/error/code"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("/body/steps/0/at"), std::string::npos) << bad.output;

  // A document that is not OpenAPI 3.0 (no info.version) is refused too.
  doc["info"].erase("version");
  write_file(dir.path() / "broken.json", doc.dump());
  write_file(dir.path() / "none.jsonl", "");
  auto broken = run_check(dir.path() / "broken.json", dir.path() / "none.jsonl");
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("/info/version"), std::string::npos) << broken.output;
}
