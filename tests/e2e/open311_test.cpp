// Open311 GeoReport v2 (issue 12; M-D-2, M-P-2, M-D-3) against the real
// hotlined: an Open311 client written here walks discovery → services →
// definition → POST → GET requests → GET one, in XML (parsed by libxml2, as
// FixMyStreet parses it) and in JSON, and the habits of real clients hold.
#include <libxml/parser.h>

#include <algorithm>

#include "tests/e2e/e2e.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct clock_flags {
  static constexpr const char* tag = "hotline-open311";
  // A manual clock: intake times and the 90-day window are known.
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-11-30T10:00:00+08:00"};
  }
};

/// An XML element as a client reads it: name, text, children.
struct xml_node {
  std::string name;
  std::string text;
  std::vector<xml_node> kids;
  const xml_node* child(const std::string& n) const {
    for (const auto& k : kids)
      if (k.name == n)
        return &k;
    return nullptr;
  }
  std::string at(const std::string& n) const {
    const auto* k = child(n);
    return k ? k->text : "";
  }
};

xml_node convert(xmlNode* n) {
  xml_node out;
  out.name = reinterpret_cast<const char*>(n->name);
  EXPECT_EQ(n->ns, nullptr) << "no namespace (GeoReport v2 XML is schemaless)";
  bool elements = false;
  for (xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) {
      elements = true;
      out.kids.push_back(convert(c));
    }
  if (!elements) {
    xmlChar* t = xmlNodeGetContent(n);
    out.text = t ? reinterpret_cast<const char*>(t) : "";
    xmlFree(t);
  }
  return out;
}

/// Parses an answer as XML: well-formed, UTF-8, declared as such.
xml_node parse_xml(const http_result& r) {
  EXPECT_EQ(r.headers.at("content-type"), "text/xml; charset=utf-8");
  EXPECT_EQ(r.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u) << r.body;
  xmlDoc* doc = xmlReadMemory(r.body.data(), static_cast<int>(r.body.size()), "answer.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  EXPECT_NE(doc, nullptr) << "not well-formed: " << r.body;
  if (!doc)
    return {};
  auto out = convert(xmlDocGetRootElement(doc));
  xmlFreeDoc(doc);
  return out;
}

json parse_json(const http_result& r) {
  EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  return body_of(r);
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields)
    out += (out.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
  return out;
}

const std::string base = "/open311/v2/";
const std::string description
    = "解放碑步行街附近工地夜间施工，噪音扰民。\r\n第二行：“引号” & <尖括号>";
const std::string address = "重庆市渝中区解放碑街道民族路188号";
const std::string caller_phone = "13812345678";
const std::string caller_email = "zhang.sanfeng@example.com";

std::vector<std::pair<std::string, std::string>> report(const std::string& key,
                                                        const std::string& external_id) {
  return {{"api_key", key},
          {"jurisdiction_id", "500000"},
          {"service_code", "env.noise"},
          {"attribute[kind]", "complaint"},
          {"attribute[external_id]", external_id},
          {"lat", "29.558000"},
          {"long", "106.577600"},
          {"address_string", address},
          {"description", description},
          {"first_name", "张三丰"},
          {"last_name", ""},
          {"phone", caller_phone},
          {"email", caller_email},
          {"media_url", "https://example.com/photo.jpg"}};
}

struct open311 : service_suite<clock_flags> {
  static inline std::string key;       // yukuaiban: intake, read
  static inline std::string other_key; // another city app: intake, read
  static void SetUpTestSuite() {
    service_suite<clock_flags>::SetUpTestSuite();
    key = add_integrator({"--name",      "yukuaiban", "--display-name", "渝快办",   "--scope",
                          "intake",      "--scope",   "read",           "--field",  "status_notes",
                          "--field",     "agency",    "--field",        "expected", "--field",
                          "description", "--field",   "address",        "--field",  "location"});
    other_key = add_integrator({"--name", "cityapp", "--scope", "intake", "--scope", "read"});
  }
  static std::string add_integrator(std::vector<std::string> args) {
    args.insert(args.begin(), {"integrator", "add", "--data-dir", data->path().string()});
    const auto out = run_cli_full(args);
    EXPECT_EQ(out.exit_code, 0) << out.err;
    EXPECT_EQ(out.out.rfind("api_key: ik1.", 0), 0u) << out.out;
    auto k = out.out.substr(std::string("api_key: ").size());
    while (!k.empty() && (k.back() == '\n' || k.back() == '\r'))
      k.pop_back();
    return k;
  }

  http_result post(const std::string& doc,
                   const std::vector<std::pair<std::string, std::string>>& fields,
                   const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return http.request("POST", base + doc, form(fields), "", "application/x-www-form-urlencoded",
                        headers);
  }
  /// Files a report in XML and returns its service_request_id.
  std::string file(const std::string& external_id) {
    auto r = post("requests.xml", report(key, external_id));
    EXPECT_EQ(r.status, 200) << r.body;
    return parse_xml(r).kids.at(0).at("service_request_id");
  }
};

} // namespace

TEST_F(open311, AnXmlClientWalksDiscoveryServicesDefinitionPostAndReadsBack_M_P_2) {
  auto discovery = parse_xml(http.get(base + "discovery.xml"));
  EXPECT_EQ(discovery.name, "discovery");
  EXPECT_FALSE(discovery.at("changeset").empty());
  EXPECT_FALSE(discovery.at("contact").empty());
  EXPECT_FALSE(discovery.at("key_service").empty());
  const auto& endpoint = discovery.child("endpoints")->kids.at(0);
  EXPECT_EQ(endpoint.at("specification"), "http://wiki.open311.org/GeoReport_v2");
  EXPECT_EQ(endpoint.at("type"), "production");
  EXPECT_EQ(endpoint.child("formats")->kids.at(0).text, "text/xml");

  // Services: our category taxonomy, unique ASCII codes, Chinese names.
  auto services = parse_xml(http.get(base + "services.xml?jurisdiction_id=500000"));
  EXPECT_EQ(services.name, "services");
  ASSERT_GT(services.kids.size(), 10u);
  std::vector<std::string> codes;
  const xml_node* noise = nullptr;
  for (const auto& s : services.kids) {
    EXPECT_EQ(s.name, "service");
    EXPECT_EQ(s.at("metadata"), "true");
    EXPECT_EQ(s.at("type"), "realtime");
    codes.push_back(s.at("service_code"));
    if (s.at("service_code") == "env.noise")
      noise = &s;
  }
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end()) << "codes are unique";
  ASSERT_NE(noise, nullptr);
  EXPECT_EQ(noise->at("service_name"), "噪声扰民");
  EXPECT_EQ(noise->at("group"), "生态环境");

  // The definition: the kind as a required singlevaluelist, orders unique.
  auto def = parse_xml(http.get(base + "services/env.noise.xml"));
  EXPECT_EQ(def.name, "service_definition");
  EXPECT_EQ(def.at("service_code"), "env.noise");
  const auto& attrs = def.child("attributes")->kids;
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].at("code"), "kind");
  EXPECT_EQ(attrs[0].at("datatype"), "singlevaluelist");
  EXPECT_EQ(attrs[0].at("required"), "true");
  EXPECT_NE(attrs[0].at("order"), attrs[1].at("order"));
  std::vector<std::string> kinds;
  for (const auto& v : attrs[0].child("values")->kids)
    kinds.push_back(v.at("key") + "=" + v.at("name"));
  EXPECT_EQ(kinds, (std::vector<std::string>{"complaint=投诉", "report=举报"}));

  // POST: the hotline's own intake, answered with our ticket number.
  const auto tickets = ticket_count(*data);
  auto created = post("requests.xml", report(key, "ykb-xml-1"));
  ASSERT_EQ(created.status, 200) << created.body;
  const auto answer = parse_xml(created);
  const std::string id = answer.kids.at(0).at("service_request_id");
  EXPECT_TRUE(std::regex_match(id, std::regex("^20261130-[0-9]{6}$"))) << id;
  EXPECT_NE(answer.kids.at(0).at("service_notice").find("解放碑街道"), std::string::npos);
  EXPECT_EQ(ticket_count(*data), tickets + 1);

  // GET requests: the window holds it, with the unit and the deadline.
  auto list = parse_xml(http.get(base + "requests.xml?api_key=" + key
                                 + "&start_date=2026-11-30T00:00:00%2B08:00"
                                   "&end_date=2026-11-30T23:59:59%2B08:00"));
  EXPECT_EQ(list.name, "service_requests");
  const xml_node* mine = nullptr;
  for (const auto& r : list.kids)
    if (r.at("service_request_id") == id)
      mine = &r;
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->at("status"), "open");
  EXPECT_EQ(mine->at("service_code"), "env.noise");
  EXPECT_EQ(mine->at("agency_responsible"), "解放碑街道");
  EXPECT_EQ(mine->at("requested_datetime"), "2026-11-30T10:00:00+08:00");
  const std::regex w3c("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+08:00$");
  EXPECT_TRUE(std::regex_match(mine->at("updated_datetime"), w3c));
  EXPECT_TRUE(std::regex_match(mine->at("expected_datetime"), w3c));
  EXPECT_EQ(mine->at("lat"), "29.558000");
  EXPECT_EQ(mine->at("long"), "106.577600");

  // GET one: a one-item list that matches what was posted.
  auto one = parse_xml(http.get(base + "requests/" + id + ".xml?api_key=" + key));
  ASSERT_EQ(one.kids.size(), 1u);
  EXPECT_EQ(one.kids[0].at("service_request_id"), id);
  EXPECT_EQ(one.kids[0].at("description"), description);
  EXPECT_EQ(one.kids[0].at("address"), address);
}

TEST_F(open311, AJsonClientWalksTheSameWayWithIdsAsStrings_M_P_2) {
  auto discovery = parse_json(http.get(base + "discovery.json"));
  EXPECT_EQ(discovery["endpoints"][0]["formats"], json::array({"text/xml", "application/json"}));
  auto services = parse_json(http.get(base + "services.json"));
  ASSERT_TRUE(services.is_array());
  for (const auto& s : services) {
    EXPECT_TRUE(s["service_code"].is_string());
    EXPECT_TRUE(s["metadata"].is_boolean());
  }
  auto def = parse_json(http.get(base + "services/env.noise.json"));
  ASSERT_TRUE(def.is_object());
  EXPECT_EQ(def["service_code"], "env.noise");
  EXPECT_TRUE(def["attributes"][0]["order"].is_number_integer());
  EXPECT_TRUE(def["attributes"][0]["values"][0]["key"].is_string());

  auto created = http.request("POST", base + "requests.json", form(report(key, "ykb-json-1")), "",
                              "application/x-www-form-urlencoded");
  ASSERT_EQ(created.status, 200) << created.body;
  auto answer = parse_json(created);
  ASSERT_TRUE(answer.is_array());
  ASSERT_TRUE(answer[0]["service_request_id"].is_string());
  const std::string id = answer[0]["service_request_id"];

  auto list = parse_json(http.get(base + "requests.json?api_key=" + key));
  ASSERT_TRUE(list.is_array());
  bool found = false;
  for (const auto& r : list) {
    EXPECT_TRUE(r["service_request_id"].is_string());
    found = found || r["service_request_id"] == id;
  }
  EXPECT_TRUE(found) << list.dump();
  auto one = parse_json(http.get(base + "requests/" + id + ".json?api_key=" + key));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["service_request_id"], id);
  EXPECT_EQ(one[0]["status"], "open");
  EXPECT_TRUE(one[0]["lat"].is_number());
}

TEST_F(open311, ChineseTextPostedReadsBackByteIdentical_M_P_2) {
  const auto id = file("ykb-utf8-1");
  auto xml = parse_xml(http.get(base + "requests/" + id + ".xml?api_key=" + key));
  EXPECT_EQ(xml.kids.at(0).at("description"), description);
  EXPECT_EQ(xml.kids.at(0).at("address"), address);
  auto js = parse_json(http.get(base + "requests/" + id + ".json?api_key=" + key));
  EXPECT_EQ(js[0]["description"].get<std::string>(), description);
  EXPECT_EQ(js[0]["address"].get<std::string>(), address);
  // The office's own view shows the same bytes.
  auto staff = body_of(http.get("/api/v1/tickets/" + id, office_token(*data)));
  EXPECT_EQ(staff["content"].get<std::string>(), description);
  EXPECT_EQ(staff["channel"], "integrator");
  EXPECT_EQ(staff["integrator"], "yukuaiban");
}

TEST_F(open311, CallerContactIsSealedAndNeverInAnyGet_M_D_3) {
  const auto id = file("ykb-contact-1");
  std::vector<http_result> reads;
  for (const auto& fmt : {".xml", ".json"}) {
    for (const auto& k : {key, other_key, std::string()}) {
      reads.push_back(http.get(base + "requests/" + id + fmt + "?api_key=" + k));
      reads.push_back(http.get(base + "requests" + fmt + "?api_key=" + k));
      reads.push_back(http.get(base + "requests" + fmt + "?service_request_id=" + id));
    }
  }
  for (const auto& r : reads) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find(id), std::string::npos);
    for (const std::string& secret : {caller_phone, caller_phone.substr(3, 4), caller_email,
                                      std::string("张三丰"), std::string("example.com")})
      EXPECT_EQ(r.body.find(secret), std::string::npos) << secret << " in " << r.body;
  }
  // Sealed like any intake: masked for staff, clear only through the
  // audited reveal (M-D-3).
  const auto office = office_token(*data);
  auto staff = body_of(http.get("/api/v1/tickets/" + id, office));
  EXPECT_EQ(staff["caller"]["phone"], "138****5678");
  auto shown = http.post("/api/v1/tickets/" + id + "/caller-contact",
                         json{{"purpose", "callback"}}.dump(), office);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(body_of(shown)["caller"]["phone"], caller_phone);
  EXPECT_EQ(body_of(shown)["caller"]["name"], "张三丰");
}

TEST_F(open311, OnlyTheFilingIntegratorGetsItsProfileOthersThePublicFields) {
  const auto id = file("ykb-profile-1");
  const auto own = parse_xml(http.get(base + "requests/" + id + ".xml?api_key=" + key)).kids.at(0);
  EXPECT_EQ(own.at("description"), description);
  for (const auto& k : {other_key, std::string()}) {
    const auto seen = parse_xml(http.get(base + "requests/" + id + ".xml?api_key=" + k)).kids.at(0);
    EXPECT_EQ(seen.at("status"), "open");
    EXPECT_EQ(seen.at("agency_responsible"), "解放碑街道");
    EXPECT_FALSE(seen.at("expected_datetime").empty());
    EXPECT_EQ(seen.child("description"), nullptr);
    EXPECT_EQ(seen.child("address"), nullptr);
    EXPECT_EQ(seen.child("lat"), nullptr);
  }
}

TEST_F(open311, FixMyStreetHabitsHold) {
  // A retry of the same report (its fixmystreet_id) files nothing new.
  auto fields = report(key, "");
  fields.emplace_back("attribute[fixmystreet_id]", "4711");
  auto first = post("requests.xml", fields);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto tickets = ticket_count(*data);
  auto again = post("requests.xml", fields);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(parse_xml(again).kids.at(0).at("service_request_id"),
            parse_xml(first).kids.at(0).at("service_request_id"));
  EXPECT_EQ(ticket_count(*data), tickets);
  // The same id with another report is refused and changes nothing.
  auto other = fields;
  other[8].second = "另一件事：小区垃圾无人清运";
  auto conflict = post("requests.xml", other);
  EXPECT_EQ(conflict.status, 400) << conflict.body;
  EXPECT_EQ(parse_xml(conflict).kids.at(0).at("description").rfind("attribute[external_id]: ", 0),
            0u)
      << conflict.body;
  EXPECT_EQ(ticket_count(*data), tickets);

  // Multipart with a photo: the fields are read, the file is not kept.
  const std::string b = "----fms7MA4YWxk";
  std::string body;
  for (const auto& [k, v] : report(key, "ykb-multipart-1"))
    body
        += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  body += "--" + b
          + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 binary\r\n--"
          + b + "--\r\n";
  auto multi
      = http.request("POST", base + "requests.xml", body, "", "multipart/form-data; boundary=" + b);
  ASSERT_EQ(multi.status, 200) << multi.body;
  const auto mid = parse_xml(multi).kids.at(0).at("service_request_id");
  EXPECT_EQ(parse_xml(http.get(base + "requests/" + mid + ".xml?api_key=" + key))
                .kids.at(0)
                .at("description"),
            description);

  // Reads with jurisdiction_id and an empty api_key; one request by id.
  auto by_id = parse_xml(http.get(base
                                  + "requests.xml?jurisdiction_id=500000&api_key="
                                    "&service_request_id="
                                  + mid));
  ASSERT_EQ(by_id.kids.size(), 1u);
  EXPECT_EQ(by_id.kids[0].at("service_request_id"), mid);
  // An empty parameter is the same as an absent one.
  EXPECT_EQ(http.get(base + "requests.xml?status=&service_code=").body,
            http.get(base + "requests.xml").body);
}

TEST_F(open311, ListsFilterByIdsStatusCodeAndWindow) {
  const auto a = file("ykb-filter-a"), b = file("ykb-filter-b");
  // Close b: the unit answers, the office calls back (M-SV-2).
  const auto office = office_token(*data);
  const auto unit = unit_token(
      *data, body_of(http.get("/api/v1/tickets/" + b, office))["assignment"]["unit_id"]);
  ASSERT_EQ(http.post("/api/v1/tickets/" + b + "/accept", "{}", unit).status, 200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + b + "/reply",
                      json{{"text", "已责令停止夜间施工。"}}.dump(), unit)
                .status,
            200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + b + "/callback",
                      json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(), office)
                .status,
            200);

  auto ids = parse_xml(
      http.get(base + "requests.xml?service_request_id=" + a + "," + b + "&status=closed"));
  ASSERT_EQ(ids.kids.size(), 2u) << "ids override the other filters";
  auto closed = parse_xml(http.get(base + "requests.xml?api_key=" + key + "&status=closed"));
  std::vector<std::string> closed_ids;
  for (const auto& r : closed.kids) {
    EXPECT_EQ(r.at("status"), "closed");
    closed_ids.push_back(r.at("service_request_id"));
  }
  EXPECT_NE(std::find(closed_ids.begin(), closed_ids.end(), b), closed_ids.end());
  EXPECT_EQ(std::find(closed_ids.begin(), closed_ids.end(), a), closed_ids.end());
  // status_notes is the unit's answer, for the integrator that filed it.
  auto one = parse_xml(http.get(base + "requests/" + b + ".xml?api_key=" + key)).kids.at(0);
  EXPECT_EQ(one.at("status_notes"), "已责令停止夜间施工。");
  EXPECT_TRUE(
      parse_xml(http.get(base + "requests.xml?service_code=env.construction-noise")).kids.empty());
  // A window before the intakes holds none of them.
  EXPECT_TRUE(parse_xml(http.get(base
                                 + "requests.xml?start_date=2026-01-01T00:00:00Z"
                                   "&end_date=2026-02-01T00:00:00Z"))
                  .kids.empty());
}

TEST_F(open311, BadInputGetsOpen311ErrorsAndChangesNothing) {
  const auto tickets = ticket_count(*data);
  auto expect = [&](const http_result& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    const auto e = parse_xml(r);
    EXPECT_EQ(e.name, "errors");
    ASSERT_EQ(e.kids.size(), 1u) << r.body;
    EXPECT_EQ(e.kids[0].at("code"), std::to_string(status));
    EXPECT_EQ(e.kids[0].at("description").rfind(field + ": ", 0), 0u) << r.body;
  };
  auto without = [&](const std::string& name) {
    auto f = report(key, "");
    f.erase(std::remove_if(f.begin(), f.end(), [&](const auto& p) { return p.first == name; }),
            f.end());
    return f;
  };
  expect(post("requests.xml", without("api_key")), 403, "api_key");
  expect(post("requests.xml", report("ik1." + std::string(64, '0'), "")), 403, "api_key");
  expect(post("requests.xml", without("service_code")), 400, "service_code");
  auto unknown = report(key, "");
  unknown[2].second = "no.such-service";
  expect(post("requests.xml", unknown), 404, "service_code");
  auto elsewhere = report(key, "");
  elsewhere[1].second = "110000";
  expect(post("requests.xml", elsewhere), 404, "jurisdiction_id");
  expect(http.request("POST", base + "requests.xml?jurisdiction_id=110000", form(report(key, "")),
                      "", "application/x-www-form-urlencoded"),
         404, "jurisdiction_id");
  expect(post("requests.xml", without("attribute[kind]")), 400, "attribute[kind]");
  expect(post("requests.xml", without("phone")), 400, "phone");
  expect(post("requests.xml", without("long")), 400, "long");
  auto nowhere = without("lat");
  nowhere.erase(std::remove_if(
                    nowhere.begin(), nowhere.end(),
                    [](const auto& p) { return p.first == "long" || p.first == "address_string"; }),
                nowhere.end());
  expect(post("requests.xml", nowhere), 400, "lat");
  expect(http.request("POST", base + "requests.xml", "{}", "", "application/json"), 400,
         "Content-Type");
  EXPECT_EQ(ticket_count(*data), tickets);

  expect(http.get(base + "services/no.such.xml"), 404, "service_code");
  expect(http.get(base + "services.xml?jurisdiction_id=110000"), 404, "jurisdiction_id");
  expect(http.get(base + "requests/20261130-999999.xml"), 404, "service_request_id");
  expect(http.get(base
                  + "requests.xml?start_date=2026-01-01T00:00:00Z"
                    "&end_date=2026-06-01T00:00:00Z"),
         400, "start_date");
  expect(http.get(base + "requests.xml?status=pending"), 400, "status");
  expect(http.get(base + "requests.xml?api_key=wrong"), 403, "api_key");
  expect(http.get(base + "services.txt"), 404, "format");
  // JSON errors are an array of {code, description}.
  auto js = parse_json(http.get(base + "services/no.such.json"));
  ASSERT_TRUE(js.is_array());
  EXPECT_EQ(js[0]["code"], "404");
}

TEST_F(open311, ScopesRatesAndDisabledKeysAreEnforcedPerKey) {
  const auto reader_key = add_integrator({"--name", "supervision", "--scope", "read"});
  auto r = post("requests.xml", report(reader_key, ""));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(http.get(base + "requests.xml?api_key=" + reader_key).status, 200);

  // Two requests a minute: the third at once is refused with Retry-After.
  const auto slow = add_integrator({"--name", "slowapp", "--scope", "read", "--rate", "2"});
  EXPECT_EQ(http.get(base + "requests.xml?api_key=" + slow).status, 200);
  EXPECT_EQ(http.get(base + "requests.xml?api_key=" + slow).status, 200);
  auto limited = http.get(base + "requests.xml?api_key=" + slow);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.headers["retry-after"].empty());
  EXPECT_EQ(parse_xml(limited).name, "errors");

  const auto out = run_cli_full(
      {"integrator", "disable", "--data-dir", data->path().string(), "--name", "supervision"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(http.get(base + "requests.xml?api_key=" + reader_key).status, 403);
}

TEST_F(open311, FixMyStreetReadsEveryStepAsAnUpdateWithAStableId) {
  const auto id = file("ykb-updates-1");
  const auto office = office_token(*data);
  const auto unit = unit_token(
      *data, body_of(http.get("/api/v1/tickets/" + id, office))["assignment"]["unit_id"]);
  ASSERT_EQ(http.post("/api/v1/tickets/" + id + "/accept", "{}", unit).status, 200);
  ASSERT_EQ(
      http.post("/api/v1/tickets/" + id + "/reply", json{{"text", "已到现场处理。"}}.dump(), unit)
          .status,
      200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + id + "/callback",
                      json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(), office)
                .status,
            200);
  // As FixMyStreet asks: XML, an empty api_key, a window in UTC.
  const std::string target = base
                             + "servicerequestupdates.xml?jurisdiction_id=500000&api_key="
                               "&start_date=2026-11-30T01:00:00Z&end_date=2026-11-30T03:00:00Z";
  const auto first = http.get(target);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto updates = parse_xml(first);
  EXPECT_EQ(updates.name, "service_request_updates");
  std::vector<std::string> ids, statuses;
  for (const auto& u : updates.kids) {
    EXPECT_EQ(u.name, "request_update");
    EXPECT_EQ(u.at("updated_datetime"), "2026-11-30T10:00:00+08:00");
    if (u.at("service_request_id") != id)
      continue;
    ids.push_back(u.at("update_id"));
    statuses.push_back(u.at("status"));
    EXPECT_FALSE(u.at("description").empty());
    EXPECT_EQ(u.at("description").find("已到现场处理"), std::string::npos)
        << "the answer text is for the filing integrator only";
  }
  ASSERT_GE(ids.size(), 5u); // registered, dispatched, accepted, replied, …, closed
  EXPECT_EQ(ids.front(), id + ".1");
  auto sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "ids are unique";
  EXPECT_EQ(statuses.front(), "open");
  EXPECT_EQ(statuses.back(), "closed");
  EXPECT_EQ(http.get(target).body, first.body) << "the same steps, the same ids";

  // The filing integrator reads the answer in its update; JSON too.
  const auto own = parse_json(http.get(base + "servicerequestupdates.json?api_key=" + key
                                       + "&start_date=2026-11-30T01:00:00Z"
                                         "&end_date=2026-11-30T03:00:00Z"));
  bool answered = false;
  for (const auto& u : own)
    answered
        = answered
          || (u["service_request_id"] == id
              && u["description"].get<std::string>().find("已到现场处理") != std::string::npos);
  EXPECT_TRUE(answered) << own.dump();
  // Outside the window: none.
  EXPECT_TRUE(parse_xml(http.get(base
                                 + "servicerequestupdates.xml?start_date=2026-11-30T03:00:01Z"
                                   "&end_date=2026-11-30T04:00:00Z"))
                  .kids.empty());
}

TEST_F(open311, FixMyStreetPostsACallersFollowUpToItsOwnOpenRequest_M_P_2) {
  const auto id = file("ykb-followup-1");
  const auto office = office_token(*data);
  const std::string text = "补充：今晚十点后又开始施工，“电钻”声 & <很大>\r\n第二行";
  // As FixMyStreet posts it: XML, its status and time, the caller's name.
  auto r = post("servicerequestupdates.xml", {{"api_key", key},
                                              {"jurisdiction_id", "500000"},
                                              {"service_request_id", id},
                                              {"description", text},
                                              {"status", "OPEN"},
                                              {"updated_datetime", "2026-11-30T10:00:00+08:00"},
                                              {"first_name", "张三丰"},
                                              {"email", caller_email}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto answer = parse_xml(r);
  EXPECT_EQ(answer.name, "service_request_updates");
  const auto update_id = answer.kids.at(0).at("update_id");
  EXPECT_EQ(update_id.rfind(id + ".", 0), 0u) << update_id;

  // The unit reads it, byte-identical, in the ticket and its timeline.
  auto staff = body_of(http.get("/api/v1/tickets/" + id, office));
  ASSERT_EQ(staff["follow_ups"].size(), 1u) << staff.dump();
  EXPECT_EQ(staff["follow_ups"][0]["text"], text);
  EXPECT_EQ(staff["status"], "dispatched") << "a follow-up changes no status";
  const auto steps
      = [&] { return body_of(http.get("/api/v1/tickets/" + id + "/timeline", office))["steps"]; };
  EXPECT_EQ(steps().back()["type"], "follow_up_added");
  EXPECT_EQ(steps().back()["label_zh"], "来电人追加说明");
  EXPECT_EQ(steps().back()["actor"], "caller");
  // FixMyStreet reads it back among the updates, under the id it was given.
  bool listed = false;
  for (const auto& u : parse_json(http.get(base + "servicerequestupdates.json?api_key=" + key)))
    listed
        = listed || (u["update_id"] == update_id && u["external_status_code"] == "follow_up_added");
  EXPECT_TRUE(listed);

  // Refused, and nothing changes: another integrator's request, no key,
  // a key without intake or updates, no text, an unknown request.
  const auto before = steps().size();
  const auto reader_key = add_integrator({"--name", "readonly", "--scope", "read"});
  EXPECT_EQ(post("servicerequestupdates.json",
                 {{"api_key", other_key}, {"service_request_id", id}, {"description", "x"}})
                .status,
            404);
  EXPECT_EQ(
      post("servicerequestupdates.json", {{"service_request_id", id}, {"description", "x"}}).status,
      403);
  EXPECT_EQ(post("servicerequestupdates.json",
                 {{"api_key", reader_key}, {"service_request_id", id}, {"description", "x"}})
                .status,
            403);
  auto empty = post("servicerequestupdates.json",
                    {{"api_key", key}, {"service_request_id", id}, {"description", ""}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(parse_json(empty)[0]["description"].get<std::string>().rfind("description:", 0), 0u)
      << empty.body;
  EXPECT_EQ(
      post("servicerequestupdates.json",
           {{"api_key", key}, {"service_request_id", "20261130-999999"}, {"description", "x"}})
          .status,
      404);
  EXPECT_EQ(steps().size(), before);

  // A closed request takes no follow-up: file a new one.
  const auto unit = unit_token(*data, staff["assignment"]["unit_id"]);
  ASSERT_EQ(http.post("/api/v1/tickets/" + id + "/accept", "{}", unit).status, 200);
  ASSERT_EQ(
      http.post("/api/v1/tickets/" + id + "/reply", json{{"text", "已处理"}}.dump(), unit).status,
      200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + id + "/callback",
                      json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(), office)
                .status,
            200);
  auto late = post("servicerequestupdates.json",
                   {{"api_key", key}, {"service_request_id", id}, {"description", "还有"}});
  EXPECT_EQ(late.status, 400) << late.body;
  EXPECT_EQ(steps().back()["type"], "closed");
}
