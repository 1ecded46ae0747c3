// The pure parts of Open311 (issue 12): one tree rendered as XML and as
// Spark-convention JSON, forms (url-encoded and multipart), the mapping of
// a POST to the hotline's intake (M-P-2), and the request view's fields
// (M-D-3: never caller data). No server here; tests/e2e/open311_test.cpp
// runs them against hotlined.
#include <gtest/gtest.h>
#include <libxml/parser.h>

#include "adapters/config/loader.hpp"
#include "adapters/open311/intake.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
namespace o = hotline::open311;

namespace {

const config::hotline_config& cq() {
  static const auto cfg = config::load(test::chongqing_config());
  return cfg;
}

auth::integrator yukuaiban() {
  auth::integrator who;
  who.name = "yukuaiban";
  who.display = "渝快办";
  who.scopes = {auth::integrator_scope::intake};
  return who;
}

o::form good_form() {
  return {{{"api_key", "k"},
           {"service_code", "env.noise"},
           {"attribute[kind]", "complaint"},
           {"lat", "29.558"},
           {"long", "106.5776"},
           {"description", "夜间施工噪音"},
           {"first_name", "张三丰"},
           {"last_name", ""},
           {"phone", "138-1234-5678"}}};
}

o::error refusal(const o::form& f, const std::string& key = "") {
  try {
    o::to_intake(f, cq(), yukuaiban(), key, "fresh");
  } catch (const o::failure& x) {
    return x.e;
  }
  ADD_FAILURE() << "accepted";
  return {};
}

o::form with(o::form f, const std::string& name, const std::string& value) {
  for (auto& [k, v] : f.fields)
    if (k == name) {
      v = value;
      return f;
    }
  f.fields.emplace_back(name, value);
  return f;
}

} // namespace

TEST(Open311Document, OneTreeRendersAsWellFormedXmlAndSparkConventionJson) {
  auto list = o::element::items("service_requests");
  list.add(
      o::element::obj("request", {o::element::leaf("service_request_id", "20261130-000001"),
                                  o::element::leaf("description", "噪音 <扰民> & “引号”"),
                                  o::element::flag("metadata", true), o::element::num("order", "2"),
                                  o::element::num("lat", "29.558000")}));
  const auto xml = o::to_xml(list);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service_requests><request>", 0),
            0u)
      << xml;
  EXPECT_NE(xml.find("噪音 &lt;扰民&gt; &amp; “引号”"), std::string::npos) << xml;
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "t.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR);
  ASSERT_NE(doc, nullptr) << xml;
  xmlFreeDoc(doc);

  const auto js = o::to_json(list);
  ASSERT_TRUE(js.is_array());
  EXPECT_EQ(js[0]["service_request_id"], "20261130-000001");
  EXPECT_EQ(js[0]["description"], "噪音 <扰民> & “引号”");
  EXPECT_EQ(js[0]["metadata"], true);
  EXPECT_TRUE(js[0]["order"].is_number_integer());
  EXPECT_DOUBLE_EQ(js[0]["lat"].get<double>(), 29.558);
}

TEST(Open311Document, TheFormatComesFromTheExtension) {
  EXPECT_EQ(o::split_format("env.noise.xml").stem, "env.noise");
  EXPECT_EQ(o::split_format("20261130-000001.json").fmt, o::format::json);
  EXPECT_FALSE(o::split_format("services.txt").ok);
  EXPECT_FALSE(o::split_format("xml").ok);
}

TEST(Open311Form, UrlEncodedKeepsOrderRepeatsAndChinese) {
  const auto f = o::parse_form("application/x-www-form-urlencoded",
                               "attribute%5Bkind%5D=report&description=%E5%99%AA+%E9%9F%B3"
                               "&attribute[tags][]=a&attribute[tags][]=b&empty=");
  EXPECT_EQ(f.get("description"), "噪 音");
  EXPECT_FALSE(f.has("empty"));
  const auto attrs = f.attributes();
  EXPECT_EQ(attrs.at("kind"), "report");
  EXPECT_EQ(attrs.at("tags"), "a");
}

TEST(Open311Form, MultipartFieldsAreReadAndFilesLeftOut) {
  const std::string body
      = "--XyZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n第一行\r\n第二行\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"attribute[kind]\"\r\n\r\nhelp\r\n"
        "--XyZ--\r\n";
  const auto f = o::parse_form("multipart/form-data; boundary=XyZ", body);
  EXPECT_EQ(f.get("description"), "第一行\r\n第二行");
  EXPECT_EQ(f.attributes().at("kind"), "help");
  EXPECT_FALSE(f.has("photo"));
}

TEST(Open311Form, OtherMediaTypesBadEncodingAndInvalidUtf8AreRefused) {
  EXPECT_THROW(o::parse_form("application/json", "{}"), o::form_error);
  EXPECT_THROW(o::parse_form("application/x-www-form-urlencoded", "a=%zz"), o::form_error);
  EXPECT_THROW(o::parse_form("application/x-www-form-urlencoded", "a=%ff%fe"), o::form_error);
  EXPECT_THROW(o::parse_form("multipart/form-data; boundary=B", "--B\r\nContent-Disposition: "
                                                                "form-data; name=\"a\"\r\n\r\n"
                                                                "\xff\r\n--B--\r\n"),
               o::form_error);
}

TEST(Open311Intake, APostBecomesTheSameIntakeAsTheApis_M_P_2) {
  const auto req = o::to_intake(good_form(), cq(), yukuaiban(), "", "fresh");
  EXPECT_EQ(req.request_id, "o311.yukuaiban.~fresh");
  EXPECT_EQ(req.via, routing::channel::integrator);
  EXPECT_EQ(req.by.user, "integrator:yukuaiban");
  EXPECT_EQ(req.by.name, "渝快办");
  EXPECT_FALSE(req.verified); // M-S-2: never linked to another's ticket
  EXPECT_EQ(req.kind, routing::demand_kind::complaint);
  EXPECT_EQ(req.category, "env.noise");
  EXPECT_EQ(req.caller_name, "张三丰");
  EXPECT_EQ(req.caller_phone, "13812345678");
  ASSERT_TRUE(req.where.coords);
  EXPECT_DOUBLE_EQ(req.where.coords->lat, 29.558);
  EXPECT_EQ(o::filed_by(req.request_id), "yukuaiban");
  EXPECT_EQ(o::filed_by("phone-42"), "");
}

TEST(Open311Intake, TheClientsOwnIdMakesARetrySafe) {
  auto f = with(good_form(), "attribute[fixmystreet_id]", "4711");
  EXPECT_EQ(o::to_intake(f, cq(), yukuaiban(), "", "x").request_id, "o311.yukuaiban.4711");
  f = with(f, "attribute[external_id]", "ykb-9");
  EXPECT_EQ(o::to_intake(f, cq(), yukuaiban(), "", "x").request_id, "o311.yukuaiban.ykb-9");
  // The report id wins over the header (which a forwarding node may add).
  EXPECT_EQ(o::to_intake(f, cq(), yukuaiban(), "fwd-1", "x").request_id, "o311.yukuaiban.ykb-9");
  EXPECT_EQ(o::to_intake(good_form(), cq(), yukuaiban(), "hdr-1", "x").request_id,
            "o311.yukuaiban.~hdr-1");
  EXPECT_EQ(refusal(good_form(), "not valid!").field, "Idempotency-Key");
  EXPECT_EQ(refusal(with(f, "attribute[external_id]", "has space")).field,
            "attribute[external_id]");
}

TEST(Open311Intake, EachBadFieldIsNamedWithTheSpecsStatus) {
  EXPECT_EQ(refusal(with(good_form(), "service_code", "")).status, 400);
  EXPECT_EQ(refusal(with(good_form(), "service_code", "nope")).status, 404);
  EXPECT_EQ(refusal(with(good_form(), "jurisdiction_id", "110000")).status, 404);
  EXPECT_EQ(o::to_intake(with(good_form(), "jurisdiction_id", "500000"), cq(), yukuaiban(), "", "x")
                .category,
            "env.noise");
  EXPECT_EQ(refusal(with(good_form(), "attribute[kind]", "")).field, "attribute[kind]");
  // env.noise takes complaints and reports, not consultations.
  EXPECT_EQ(refusal(with(good_form(), "attribute[kind]", "consultation")).field, "attribute[kind]");
  EXPECT_EQ(refusal(with(good_form(), "long", "")).field, "long");
  EXPECT_EQ(refusal(with(good_form(), "lat", "north")).field, "lat");
  EXPECT_EQ(refusal(with(good_form(), "lat", "91")).field, "lat");
  EXPECT_EQ(refusal(with(with(good_form(), "lat", ""), "long", "")).field, "lat");
  EXPECT_EQ(refusal(with(good_form(), "phone", "")).field, "phone");
  EXPECT_EQ(refusal(with(good_form(), "phone", "12")).field, "phone");
  EXPECT_EQ(refusal(with(good_form(), "first_name", "")).field, "first_name");
  EXPECT_EQ(refusal(with(good_form(), "description", "")).field, "description");
  EXPECT_EQ(refusal(with(good_form(), "description", std::string(4001, 'a'))).field, "description");
  EXPECT_EQ(refusal(with(good_form(), "description", "a\x01")).field, "description");
  // An address alone is a location.
  auto by_address = with(with(with(good_form(), "lat", ""), "long", ""), "address_string",
                         "重庆市渝中区解放碑街道民族路188号");
  EXPECT_EQ(o::to_intake(by_address, cq(), yukuaiban(), "", "x").where.address,
            "重庆市渝中区解放碑街道民族路188号");
}

TEST(Open311Views, ARequestShowsOnlyItsProfilesFieldsAndNeverTheCaller_M_D_3) {
  routing::ticket_state s;
  s.status = routing::ticket_status::replied;
  routing::registered in;
  in.at = 1'800'000'000'000;
  in.category = "env.noise";
  in.content = "夜间施工";
  in.address = "民族路188号";
  in.coords = routing::point{106.5776, 29.558};
  in.caller_sealed = "opaque";
  s.intake = in;
  s.answer = routing::replied{in.at + 1000, "500103001", "已处理"};
  const auto pub = o::to_json(o::request_view(cq(), "20261130-000001", s, o::public_fields()));
  EXPECT_EQ(pub["status"], "open");
  EXPECT_EQ(pub["service_name"], "噪声扰民");
  EXPECT_FALSE(pub.contains("description"));
  EXPECT_FALSE(pub.contains("status_notes"));
  EXPECT_FALSE(pub.contains("lat"));
  EXPECT_EQ(pub["updated_datetime"], routing::format_instant(in.at + 1000));
  const auto own = o::to_json(o::request_view(
      cq(), "20261130-000001", s, {{"description", "status_notes", "location", "address"}}));
  EXPECT_EQ(own["description"], "夜间施工");
  EXPECT_EQ(own["status_notes"], "已处理");
  EXPECT_EQ(own["address"], "民族路188号");
  for (const auto& [k, v] : own.items())
    EXPECT_TRUE(k != "first_name" && k != "phone" && k != "email") << k;
  s.status = routing::ticket_status::closed;
  EXPECT_EQ(o::status_of(s), "closed");
}

TEST(Open311Views, ServicesAreTheCategoriesGroupedWithChineseNames) {
  const auto js = o::to_json(o::services_view(cq().directory));
  ASSERT_EQ(js.size(), cq().directory.categories().size());
  for (const auto& s : js) {
    EXPECT_EQ(s["type"], "realtime");
    // Every category's group has a Chinese name, not just its ASCII prefix.
    const std::string g = s["group"];
    EXPECT_TRUE(static_cast<unsigned char>(g[0]) >= 0x80) << s.dump();
  }
  EXPECT_EQ(o::group_name("housing.repair"), "住房");
}
