#include "adapters/knowledge/index.hpp"

#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <thread>
#include <stdexcept>

#include "adapters/knowledge/snippet.hpp"
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

} // namespace

struct index::impl {
  std::filesystem::path dir;
  Xapian::WritableDatabase db;
  Xapian::TermGenerator tg;
  std::atomic<std::uint64_t> generation{0}; // bumped by every commit
  // Readers, one per search at a time: Xapian objects are not thread-safe,
  // but separate Database objects over the same files are.
  struct reader {
    Xapian::Database db;
    std::uint64_t generation = 0;
  };
  // At most one search per core runs at a time; the others wait their turn
  // in order rather than being time-sliced (a far shorter tail under load).
  std::mutex readers_mtx;
  std::condition_variable readers_cv;
  std::vector<std::unique_ptr<reader>> idle;
  std::size_t busy = 0;
  const std::size_t cap = std::max(2u, std::thread::hardware_concurrency());

  explicit impl(std::filesystem::path d)
      : dir(std::move(d)), db(dir.string(), Xapian::DB_CREATE_OR_OVERWRITE
                                                | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC) {
    tg.set_flags(cjk);
  }
  ~impl() {
    db.close();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::unique_ptr<reader> take() {
    {
      std::unique_lock<std::mutex> lock(readers_mtx);
      readers_cv.wait(lock, [&] { return busy < cap; });
      ++busy;
      if (!idle.empty()) {
        auto r = std::move(idle.back());
        idle.pop_back();
        return r;
      }
    }
    auto r = std::make_unique<reader>();
    r->db = Xapian::Database(dir.string());
    r->generation = generation.load();
    return r;
  }
  void give_back(std::unique_ptr<reader> r) {
    {
      std::lock_guard<std::mutex> lock(readers_mtx);
      idle.push_back(std::move(r));
      --busy;
    }
    readers_cv.notify_one();
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

namespace {

// A private folder for the index files, kb-index-{pid}-{n}, rebuilt at
// every start; the folders a killed process left behind (its pid is gone)
// are removed first.
std::filesystem::path private_folder(const std::filesystem::path& parent) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("kb-index-", 0) != 0)
      continue;
    const auto pid = std::atol(name.c_str() + 9);
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      fs::remove_all(entry.path(), ec);
  }
  static std::atomic<int> made{0};
  const auto dir = parent / ("kb-index-" + std::to_string(getpid()) + "-" + std::to_string(made++));
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("knowledge index: cannot create " + dir.string() + ": "
                             + ec.message());
  return dir;
}

} // namespace

index::index(const std::filesystem::path& parent)
    : impl_(std::make_unique<impl>(private_folder(parent))) {}
index::~index() = default;

void index::put(const kb::article& a) {
  put_all({a});
}

void index::put_all(const std::vector<kb::article>& articles) {
  std::lock_guard<std::mutex> lock(mtx_);
  std::size_t since_commit = 0;
  for (const auto& a : articles) {
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
    // Big batches (a rebuild) commit now and then, to bound the memory of
    // pending changes.
    if (++since_commit == 2000) {
      impl_->db.commit();
      since_commit = 0;
    }
  }
  impl_->db.commit();
  ++impl_->generation;
}

std::size_t index::documents() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return impl_->db.get_doccount();
}

std::uintmax_t index::bytes_on_disk() const {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(impl_->dir, ec))
    total += f.is_regular_file(ec) ? f.file_size(ec) : 0;
  return total;
}

std::vector<search_hit> index::search(const search_query& q) const {
  auto rd = impl_->take();
  const auto now = impl_->generation.load();
  if (rd->generation != now) {
    rd->db.reopen();
    rd->generation = now;
  }
  auto out = search_with(rd->db, q);
  impl_->give_back(std::move(rd));
  return out;
}

std::vector<search_hit> index::search_with(const Xapian::Database& db,
                                           const search_query& q) const {
  Xapian::QueryParser qp;
  qp.set_database(db);
  qp.set_default_op(Xapian::Query::OP_OR);
  // The query's character pairs and ascii words, any of them (ranked by
  // how many and how rare): Xapian's parser would AND every pair of a
  // Chinese run, pairs that span two words included (养老保险转移 needs
  // 险转), so words that stand apart in the text would never match.
  // A query of one character falls back to Xapian's parser (unigrams).
  const auto terms = routing::content_terms(q.text, 32);
  std::vector<Xapian::Query> parts;
  for (const auto& t : terms)
    parts.emplace_back(t);
  const Xapian::Query text = parts.empty()
                                 ? qp.parse_query(q.text, Xapian::QueryParser::FLAG_DEFAULT
                                                              | Xapian::QueryParser::FLAG_CJK_NGRAM)
                                 : Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  // What the snippet marks: the pairs, or a one-character query itself.
  const auto marks = terms.empty() ? std::vector<std::string>{q.text} : terms;
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
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  // An article has one document per status: collapsing (one hit per
  // article) is needed only when several statuses may match.
  if (q.statuses.size() > 1)
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
    h.snippet = snippet(data["b"].get<std::string>(), marks);
    h.score = it.get_weight();
    out.push_back(std::move(h));
  }
  return out;
}

} // namespace hotline::knowledge
