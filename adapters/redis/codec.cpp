#include "adapters/redis/codec.hpp"

#include "routing/names.hpp"

#include <msgpack.hpp>

#include <functional>
#include <map>
#include <stdexcept>

namespace hotline::redis {

namespace r = hotline::routing;

namespace {

// Collects key/value pairs, then packs them as one map.
class map_writer {
 public:
  template <class T>
  map_writer& put(const char* key, const T& value) {
    fields_.emplace_back(key, [value](msgpack::packer<msgpack::sbuffer>& pk) { pk.pack(value); });
    return *this;
  }
  map_writer& put_reasons(const char* key, const std::vector<r::reason>& reasons) {
    fields_.emplace_back(key, [reasons](msgpack::packer<msgpack::sbuffer>& pk) {
      pk.pack_array(static_cast<uint32_t>(reasons.size()));
      for (const auto& x : reasons) {
        pk.pack_array(2);
        pk.pack(x.rule);
        pk.pack(x.text);
      }
    });
    return *this;
  }
  std::string finish() {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(&buf);
    pk.pack_map(static_cast<uint32_t>(fields_.size()));
    for (auto& [k, f] : fields_) {
      pk.pack(std::string(k));
      f(pk);
    }
    return std::string(buf.data(), buf.size());
  }

 private:
  std::vector<std::pair<const char*, std::function<void(msgpack::packer<msgpack::sbuffer>&)>>>
      fields_;
};

// Reads a decoded map with defaults for missing keys.
class map_reader {
 public:
  explicit map_reader(const msgpack::object& o) {
    if (o.type != msgpack::type::MAP)
      throw std::runtime_error("event is not a map");
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (kv.key.type == msgpack::type::STR)
        fields_.emplace(kv.key.as<std::string>(), &kv.val);
    }
  }
  template <class T>
  T get(const char* key, T fallback = T{}) const {
    auto i = fields_.find(key);
    if (i == fields_.end() || i->second->type == msgpack::type::NIL)
      return fallback;
    return i->second->as<T>();
  }
  bool has(const char* key) const { return fields_.count(key) > 0; }
  std::vector<r::reason> reasons(const char* key) const {
    std::vector<r::reason> out;
    auto i = fields_.find(key);
    if (i == fields_.end() || i->second->type != msgpack::type::ARRAY)
      return out;
    for (uint32_t k = 0; k < i->second->via.array.size; ++k) {
      const auto& pair = i->second->via.array.ptr[k];
      if (pair.type != msgpack::type::ARRAY || pair.via.array.size < 2)
        continue;
      out.push_back(
          {pair.via.array.ptr[0].as<std::string>(), pair.via.array.ptr[1].as<std::string>()});
    }
    return out;
  }

 private:
  std::map<std::string, const msgpack::object*> fields_;
};

} // namespace

std::string encode(const r::event& e, const r::person& by) {
  map_writer w;
  w.put("t", std::string(r::event_type(e))).put("v", event_schema_version);
  if (!by.user.empty())
    w.put("u", by.user).put("un", by.name);
  std::visit(r::overloaded{
                 [&](const r::registered& x) {
                   w.put("at", x.at)
                       .put("req", x.request_id)
                       .put("ch", std::string(r::to_string(x.via)))
                       .put("kind", std::string(r::to_string(x.kind)))
                       .put("cat", x.category)
                       .put("text", x.content)
                       .put("addr", x.address)
                       .put("caller",
                            msgpack::type::raw_ref(x.caller_sealed.data(),
                                                   static_cast<uint32_t>(x.caller_sealed.size())));
                   w.put("fp", x.fingerprint);
                   if (!x.repeat_key.empty())
                     w.put("rk", x.repeat_key);
                   if (!x.possible_repeat_of.empty())
                     w.put("prep", x.possible_repeat_of);
                   if (x.given_deadline)
                     w.put("gdl", *x.given_deadline);
                   if (x.coords)
                     w.put("lon", x.coords->lon).put("lat", x.coords->lat);
                 },
                 [&](const r::dispatched& x) {
                   w.put("at", x.at)
                       .put("unit", x.unit_id)
                       .put("sup", x.supervisor_id)
                       .put_reasons("why", x.reasons)
                       .put("cf", std::string(r::to_string(x.sure.level)))
                       .put("cfr", x.sure.reason)
                       .put("days", x.limit_days)
                       .put("due", x.due)
                       .put("prov", x.provisional)
                       .put("rule", x.deadline_rule);
                   if (!x.cooperating.empty())
                     w.put("coop", x.cooperating);
                 },
                 [&](const r::coordination_requested& x) {
                   w.put("at", x.at).put_reasons("why", x.reasons);
                 },
                 [&](const r::accepted& x) { w.put("at", x.at).put("unit", x.unit_id); },
                 [&](const r::replied& x) {
                   w.put("at", x.at).put("unit", x.unit_id).put("text", x.text);
                 },
                 [&](const r::called_back& x) {
                   w.put("at", x.at)
                       .put("sat", std::string(r::to_string(x.result)))
                       .put("resolved", x.resolved);
                 },
                 [&](const r::closed& x) { w.put("at", x.at).put("rule", x.rule); },
                 [&](const r::disposed& x) {
                   w.put("at", x.at)
                       .put("kind", std::string(r::to_string(x.kind)))
                       .put("answer", x.answer)
                       .put("target", x.target)
                       .put("refusal", x.refusal_code)
                       .put("basis", x.basis)
                       .put("rule", x.rule)
                       .put("ref_name", x.referral_name)
                       .put("ref_contact", x.referral_contact);
                   if (!x.article_id.empty())
                     w.put("kb", x.article_id).put("kbv", x.article_version);
                 },
                 [&](const r::escalated& x) {
                   w.put("at", x.at)
                       .put("level", std::string(r::to_string(x.level)))
                       .put("due", x.due)
                       .put("notified", x.notified)
                       .put("why", x.reason)
                       .put("target", x.unit);
                 },
                 [&](const r::handler_named& x) {
                   w.put("at", x.at)
                       .put("by", x.by)
                       .put("handler", x.handler_id)
                       .put("text", x.instruction);
                 },
                 [&](const r::handler_reported& x) {
                   w.put("at", x.at).put("handler", x.handler_id).put("text", x.text);
                 },
                 [&](const r::repeat_linked& x) {
                   w.put("at", x.at)
                       .put("ch", std::string(r::to_string(x.via)))
                       .put("text", x.content)
                       .put("fp", x.fingerprint);
                 },
                 [&](const r::returned& x) {
                   w.put("at", x.at).put("unit", x.unit_id).put("why", x.reason);
                 },
                 [&](const r::opinion_submitted& x) {
                   w.put("at", x.at).put("unit", x.unit_id).put("text", x.text);
                 },
                 [&](const r::reopened& x) {
                   w.put("at", x.at)
                       .put("n", x.count)
                       .put("days", x.limit_days)
                       .put("due", x.due)
                       .put("prov", x.provisional);
                 },
                 [&](const r::extension_requested& x) {
                   w.put("at", x.at)
                       .put("unit", x.unit_id)
                       .put("why", x.reason)
                       .put("progress", x.progress)
                       .put("due", x.new_due);
                 },
                 [&](const r::extension_decided& x) {
                   w.put("at", x.at)
                       .put("by", x.by)
                       .put("ok", x.approved)
                       .put("note", x.note)
                       .put("due", x.new_due);
                 },
                 [&](const r::follow_up_added& x) {
                   w.put("at", x.at).put("ch", std::string(r::to_string(x.via)));
                   w.put("text", x.text);
                 },
             },
             e);
  return w.finish();
}

namespace {

// Unpacks stored bytes. Every element takes at least one byte, so no header
// that claims more elements than there are bytes is honest; without the
// limit, 5 bytes (0xdd ffffffff) made msgpack allocate 4G objects before
// reading on (found by fuzz/event_codec_fuzz).
msgpack::object_handle unpack_event(std::string_view bytes) {
  try {
    const auto n = bytes.size();
    return msgpack::unpack(bytes.data(), n, nullptr, nullptr,
                           msgpack::unpack_limit(n, n / 2, n, n, n, 64));
  } catch (const std::exception& ex) {
    throw std::runtime_error(std::string("event is not MessagePack: ") + ex.what());
  }
}

r::event decode_unchecked(const map_reader& m);

// The event and its person from one unpacking. A field of the wrong type is
// msgpack::type_error (a bad_cast): the promise is runtime_error for every
// bad input (found by fuzzing).
recorded_event decode_map(std::string_view bytes) {
  const auto oh = unpack_event(bytes);
  try {
    const map_reader m(oh.get());
    return {decode_unchecked(m), {m.get<std::string>("u"), m.get<std::string>("un")}};
  } catch (const msgpack::type_error&) {
    throw std::runtime_error("event has a field of the wrong type");
  }
}

} // namespace

r::event decode(std::string_view bytes) {
  return decode_map(bytes).e;
}

recorded_event decode_recorded(std::string_view bytes) {
  return decode_map(bytes);
}

namespace {

r::event decode_unchecked(const map_reader& m) {
  const auto type = m.get<std::string>("t");
  const auto at = m.get<std::int64_t>("at");
  if (type == "registered") {
    r::registered x;
    x.at = at;
    x.request_id = m.get<std::string>("req");
    x.via = r::parse_channel(m.get<std::string>("ch")).value_or(r::channel::phone);
    x.kind
        = r::parse_demand_kind(m.get<std::string>("kind")).value_or(r::demand_kind::consultation);
    x.category = m.get<std::string>("cat");
    x.content = m.get<std::string>("text");
    x.address = m.get<std::string>("addr");
    x.caller_sealed = m.get<std::string>("caller");
    x.fingerprint = m.get<std::string>("fp");
    x.repeat_key = m.get<std::string>("rk");
    x.possible_repeat_of = m.get<std::string>("prep");
    if (m.has("gdl"))
      x.given_deadline = m.get<std::int64_t>("gdl");
    if (m.has("lon") && m.has("lat"))
      x.coords = r::point{m.get<double>("lon"), m.get<double>("lat")};
    return x;
  }
  if (type == "dispatched") {
    r::dispatched x;
    x.at = at;
    x.unit_id = m.get<std::string>("unit");
    x.supervisor_id = m.get<std::string>("sup");
    x.reasons = m.reasons("why");
    // Before issue 11 there was no confidence: such events read as high.
    x.sure.level
        = r::parse_confidence_level(m.get<std::string>("cf")).value_or(r::confidence_level::high);
    x.sure.reason = m.get<std::string>("cfr");
    x.limit_days = m.get<int>("days");
    x.due = m.get<std::int64_t>("due");
    x.provisional = m.get<bool>("prov");
    x.deadline_rule = m.get<std::string>("rule");
    x.cooperating = m.get<std::vector<std::string>>("coop");
    return x;
  }
  if (type == "coordination_requested")
    return r::coordination_requested{at, m.reasons("why")};
  if (type == "accepted")
    return r::accepted{at, m.get<std::string>("unit")};
  if (type == "replied")
    return r::replied{at, m.get<std::string>("unit"), m.get<std::string>("text")};
  if (type == "called_back")
    return r::called_back{
        at, r::parse_satisfaction(m.get<std::string>("sat")).value_or(r::satisfaction::satisfied),
        m.get<bool>("resolved", true)};
  if (type == "closed")
    return r::closed{at, m.get<std::string>("rule")};
  if (type == "disposed") {
    r::disposed x;
    x.at = at;
    x.kind = r::parse_disposal_kind(m.get<std::string>("kind"))
                 .value_or(r::disposal_kind::direct_answer);
    x.answer = m.get<std::string>("answer");
    x.target = m.get<std::string>("target");
    x.refusal_code = m.get<std::string>("refusal");
    x.basis = m.get<std::string>("basis");
    x.rule = m.get<std::string>("rule");
    x.referral_name = m.get<std::string>("ref_name");
    x.referral_contact = m.get<std::string>("ref_contact");
    x.article_id = m.get<std::string>("kb");
    x.article_version = m.get<int>("kbv");
    return x;
  }
  if (type == "escalated")
    return r::escalated{at,
                        r::parse_escalation_level(m.get<std::string>("level"))
                            .value_or(r::escalation_level::office),
                        m.get<std::int64_t>("due"),
                        m.get<std::vector<std::string>>("notified"),
                        m.get<std::string>("why"),
                        m.get<std::string>("target")};
  if (type == "handler_named")
    return r::handler_named{at, m.get<std::string>("by"), m.get<std::string>("handler"),
                            m.get<std::string>("text")};
  if (type == "handler_reported")
    return r::handler_reported{at, m.get<std::string>("handler"), m.get<std::string>("text")};
  if (type == "repeat_linked")
    return r::repeat_linked{at,
                            r::parse_channel(m.get<std::string>("ch")).value_or(r::channel::phone),
                            m.get<std::string>("text"), m.get<std::string>("fp")};
  if (type == "returned")
    return r::returned{at, m.get<std::string>("unit"), m.get<std::string>("why")};
  if (type == "follow_up_added")
    return r::follow_up_added{
        at, r::parse_channel(m.get<std::string>("ch")).value_or(r::channel::integrator),
        m.get<std::string>("text")};
  if (type == "opinion_submitted")
    return r::opinion_submitted{at, m.get<std::string>("unit"), m.get<std::string>("text")};
  if (type == "reopened")
    return r::reopened{at, m.get<int>("n"), m.get<int>("days"), m.get<std::int64_t>("due"),
                       m.get<bool>("prov")};
  if (type == "extension_requested")
    return r::extension_requested{at, m.get<std::string>("unit"), m.get<std::string>("why"),
                                  m.get<std::string>("progress"), m.get<std::int64_t>("due")};
  if (type == "extension_decided")
    return r::extension_decided{at, m.get<std::string>("by"), m.get<bool>("ok"),
                                m.get<std::string>("note"), m.get<std::int64_t>("due")};
  throw std::runtime_error("unknown event type '" + type + "'");
}

} // namespace

std::string encode(const r::ticket_summary& t) {
  map_writer w;
  w.put("no", t.no).put("v", t.version).put("st", std::string(r::to_string(t.status)));
  w.put("cat", t.category).put("at", t.updated).put("lead", t.lead);
  w.put("coop", t.cooperating).put("op", t.opinions_given).put("sup", t.supervisor);
  w.put("hnd", t.handler).put("apr", t.approver).put("due", t.due).put("odue", t.opinion_due);
  w.put("esc", t.escalation ? std::string(r::to_string(*t.escalation)) : std::string());
  return w.finish();
}

r::ticket_summary decode_summary(std::string_view bytes) {
  const auto oh = unpack_event(bytes);
  try {
    const map_reader m(oh.get());
    r::ticket_summary t;
    t.no = m.get<std::string>("no");
    t.version = m.get<std::uint64_t>("v");
    const auto st = m.get<std::string>("st");
    if (auto s = r::parse_status(st))
      t.status = *s;
    else
      throw std::runtime_error("summary has an unknown status: " + st);
    t.category = m.get<std::string>("cat");
    t.updated = m.get<std::int64_t>("at");
    t.lead = m.get<std::string>("lead");
    t.cooperating = m.get<std::vector<std::string>>("coop");
    t.opinions_given = m.get<std::vector<std::string>>("op");
    t.supervisor = m.get<std::string>("sup");
    t.handler = m.get<std::string>("hnd");
    t.approver = m.get<std::string>("apr");
    t.due = m.get<std::int64_t>("due");
    t.opinion_due = m.get<std::int64_t>("odue");
    t.escalation = r::parse_escalation_level(m.get<std::string>("esc"));
    return t;
  } catch (const msgpack::type_error&) {
    throw std::runtime_error("summary has a field of the wrong type");
  }
}

std::string encode(const r::evidence& e) {
  map_writer w;
  w.put("no", e.ticket_no).put("unit", e.unit_id).put("ok", e.chosen).put("cat", e.category);
  w.put("d", e.district).put("tw", e.township).put("pl", e.place).put("terms", e.terms);
  w.put("at", e.at);
  return w.finish();
}

r::evidence decode_evidence(std::string_view bytes) {
  const auto oh = unpack_event(bytes);
  try {
    const map_reader m(oh.get());
    r::evidence e;
    e.ticket_no = m.get<std::string>("no");
    e.unit_id = m.get<std::string>("unit");
    e.chosen = m.get<bool>("ok");
    e.category = m.get<std::string>("cat");
    e.district = m.get<std::string>("d");
    e.township = m.get<std::string>("tw");
    e.place = m.get<std::string>("pl");
    e.terms = m.get<std::vector<std::string>>("terms");
    e.at = m.get<std::int64_t>("at");
    if (e.ticket_no.empty() || e.unit_id.empty())
      throw std::runtime_error("evidence without a ticket or a unit");
    return e;
  } catch (const msgpack::type_error&) {
    throw std::runtime_error("evidence has a field of the wrong type");
  }
}

} // namespace hotline::redis
