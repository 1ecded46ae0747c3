#include "adapters/knowledge/index.hpp"

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "routing/proposal.hpp"

namespace hotline::knowledge {

namespace kb = hotline::routing::kb;
using nlohmann::json;

namespace {

constexpr Xapian::valueno article_slot = 0; // collapse: one hit per article
constexpr unsigned cjk = Xapian::TermGenerator::FLAG_CJK_NGRAM;

std::string unique_term(const std::string& id, const char* which) {
  return "Q" + id + "#" + which;
}

// Matches next to each other are one: <mark>养老</mark>, not two marks.
std::string merged_marks(std::string s) {
  for (auto at = s.find("</mark><mark>"); at != std::string::npos; at = s.find("</mark><mark>", at))
    s.erase(at, 13);
  return s;
}

} // namespace

struct index::impl {
  Xapian::WritableDatabase db{std::string(), Xapian::DB_BACKEND_INMEMORY};
  Xapian::TermGenerator tg;
  Xapian::QueryParser qp;
  impl() {
    tg.set_flags(cjk);
    qp.set_database(db);
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.add_prefix("title", "S");
  }

  void add(const kb::article& a, const kb::version& v, kb::status s, const char* which) {
    Xapian::Document doc;
    tg.set_document(doc);
    // The title counts most, then the keywords callers use, then the body.
    tg.index_text(v.c.title, 3);
    tg.index_text(v.c.title, 1, "S");
    tg.increase_termpos();
    for (const auto& k : v.c.keywords) {
      tg.index_text(k, 2);
      tg.increase_termpos();
    }
    tg.index_text(v.c.body);
    doc.add_boolean_term("XS" + std::string(kb::to_string(s)));
    doc.add_boolean_term("XU" + a.owner);
    for (const auto& c : v.c.categories)
      doc.add_boolean_term("XC" + c);
    if (v.c.districts.empty())
      doc.add_boolean_term("XDcity");
    for (const auto& d : v.c.districts)
      doc.add_boolean_term("XD" + d);
    doc.add_value(article_slot, a.id);
    json data{{"id", a.id},     {"v", v.number}, {"s", std::string(kb::to_string(s))},
              {"t", v.c.title}, {"o", a.owner},  {"c", v.c.categories},
              {"b", v.c.body}};
    doc.set_data(data.dump());
    const auto q = unique_term(a.id, which);
    doc.add_boolean_term(q);
    db.replace_document(q, doc);
  }
};

index::index() : impl_(std::make_unique<impl>()) {}
index::~index() = default;

void index::put(const kb::article& a) {
  std::lock_guard<std::mutex> lock(mtx_);
  for (const char* which : {"live", "work", "retired"})
    impl_->db.delete_document(unique_term(a.id, which));
  if (a.is_retired) {
    impl_->add(a, a.latest(), kb::status::retired, "retired");
  } else {
    if (const auto* v = a.live())
      impl_->add(a, *v, kb::status::published, "live");
    if (const auto* v = a.in_work())
      impl_->add(a, *v, a.working_status, "work");
  }
  impl_->db.commit();
}

std::size_t index::documents() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return impl_->db.get_doccount();
}

std::vector<search_hit> index::search(const search_query& q) const {
  std::lock_guard<std::mutex> lock(mtx_);
  auto& x = *impl_;
  // The query's character pairs and ascii words, any of them (ranked by
  // how many and how rare): Xapian's parser would AND every pair of a
  // Chinese run, pairs that span two words included (养老保险转移 needs
  // 险转), so words that stand apart in the text would never match.
  // A query of one character falls back to Xapian's parser (unigrams).
  // The query's single characters come along with no weight of their own,
  // only so that the snippet marks the words they make up.
  const Xapian::Query parsed = x.qp.parse_query(q.text, Xapian::QueryParser::FLAG_DEFAULT
                                                            | Xapian::QueryParser::FLAG_CJK_NGRAM);
  const auto terms = routing::content_terms(q.text, 32);
  std::vector<Xapian::Query> parts;
  for (const auto& t : terms)
    parts.emplace_back(t);
  std::vector<Xapian::Query> singles;
  for (auto t = parsed.get_unique_terms_begin(); t != parsed.get_unique_terms_end(); ++t)
    singles.emplace_back(*t);
  const Xapian::Query pairs(Xapian::Query::OP_OR, parts.begin(), parts.end());
  const Xapian::Query marks(Xapian::Query::OP_SCALE_WEIGHT,
                            Xapian::Query(Xapian::Query::OP_OR, singles.begin(), singles.end()),
                            0.0);
  const Xapian::Query text
      = parts.empty() ? parsed : Xapian::Query(Xapian::Query::OP_AND_MAYBE, pairs, marks);
  std::vector<Xapian::Query> filters;
  std::vector<Xapian::Query> statuses;
  for (auto s : q.statuses)
    statuses.emplace_back("XS" + std::string(kb::to_string(s)));
  filters.emplace_back(Xapian::Query::OP_OR, statuses.begin(), statuses.end());
  if (!q.category.empty())
    filters.emplace_back("XC" + q.category);
  if (!q.unit.empty())
    filters.emplace_back("XU" + q.unit);
  if (!q.district.empty())
    filters.emplace_back(Xapian::Query::OP_OR, Xapian::Query("XDcity"),
                         Xapian::Query("XD" + q.district));
  Xapian::Query query(Xapian::Query::OP_FILTER, text,
                      Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
  Xapian::Enquire enquire(x.db);
  enquire.set_query(query);
  enquire.set_collapse_key(article_slot);
  // Far weaker than the best match is noise: an article sharing one common
  // pair (保险) with a long query.
  enquire.set_cutoff(35);
  const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(q.limit));
  std::vector<search_hit> out;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    const auto data = json::parse(it.get_document().get_data());
    search_hit h;
    h.id = data["id"];
    h.version = data["v"];
    h.status = kb::parse_status(data["s"].get<std::string>()).value_or(kb::status::published);
    h.title = data["t"];
    h.owner = data["o"];
    h.categories = data["c"].get<std::vector<std::string>>();
    h.snippet = merged_marks(mset.snippet(data["b"].get<std::string>(), 240, Xapian::Stem(),
                                          Xapian::MSet::SNIPPET_CJK_NGRAM
                                              | Xapian::MSet::SNIPPET_BACKGROUND_MODEL
                                              | Xapian::MSet::SNIPPET_EXHAUSTIVE,
                                          "<mark>", "</mark>", "…"));
    h.score = it.get_weight();
    out.push_back(std::move(h));
  }
  return out;
}

} // namespace hotline::knowledge
