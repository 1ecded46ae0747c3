#include "adapters/http/routes.hpp"

#include <sstream>

#include "adapters/http/handlers/handlers.hpp"

namespace hotline::http {

namespace h = handlers;
using routing::role;
using routing::role_set;

namespace {

access_rule open() {
  return {true, false, {}};
}
access_rule staff(std::initializer_list<role> rs) {
  return {false, false, role_set::of(rs)};
}
access_rule anonymous_or(std::initializer_list<role> rs) {
  return {false, true, role_set::of(rs)};
}

access_rule staff(role_set rs) {
  return {false, false, rs};
}
access_rule anonymous_or(role_set rs) {
  return {false, true, rs};
}
role_set all_roles() {
  role_set s;
  for (std::size_t i = 0; i < routing::role_count; ++i)
    s.add(static_cast<role>(i));
  return s;
}

const auto op = role::operator_;
const auto sup = role::supervisor;
const auto lia = role::liaison;
const auto hnd = role::handler;

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool matches(std::string_view pattern, const std::vector<std::string_view>& parts,
             std::map<std::string, std::string>* params) {
  const auto want = segments(pattern);
  if (want.size() != parts.size())
    return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto open = want[i].find('{');
    if (open != std::string_view::npos && want[i].size() > open + 2 && want[i].back() == '}') {
      // "{no}" takes the whole segment; "services.{format}" what follows
      // its literal head (Open311's format suffix), never nothing.
      const auto head = want[i].substr(0, open);
      if (parts[i].size() <= head.size() || parts[i].substr(0, head.size()) != head)
        return false;
      if (params)
        (*params)[std::string(want[i].substr(open + 1, want[i].size() - open - 2))]
            = std::string(parts[i].substr(head.size()));
    } else if (want[i] != parts[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

const std::vector<route>& route_table() {
  static const std::vector<route> table{
      {"GET", "/healthz", "healthz", open(), h::healthz, "健康检查：能否写入存储"},
      {"GET", "/metrics", "metrics", staff({sup, role::admin}), h::metrics, "Prometheus 指标"},
      {"GET", "/api/v1/cluster", "cluster", staff({sup, role::admin}), h::cluster_view,
       "集群节点与分区"},
      {"GET", "/api/v1/openapi.json", "openapi", open(), h::openapi,
       "OpenAPI 3.0 接口说明 (M-D-2)"},
      {"GET", "/api/v1/categories", "categories", open(), h::categories, "诉求分类"},
      {"GET", "/api/v1/units", "units", open(), h::units, "承办单位名录"},
      {"GET", "/api/v1/refusal-rules", "refusal_rules", open(), h::refusal_rules,
       "不予受理的依据与引导 (M-S-2)"},
      {"POST", "/api/v1/demands", "demands", anonymous_or({op, sup}), h::post_demand,
       "登记诉求，即时处置或派单 (M-R-1, M-C-1, M-RT-1)"},
      {"POST", "/api/v1/routing/preview", "routing_preview", staff({op, sup}), h::preview_routing,
       "派单预览：承办单位、依据与时限，不保存 (M-RT-1, M-DL-1, M-S-2)"},
      {"GET", "/api/v1/coordination", "coordination", staff({sup}), h::coordination_queue,
       "热线协调队列 (M-RT-2)"},
      {"GET", "/api/v1/returns", "returns", staff({sup}), h::returns, "各单位退单数 (M-RT-4)"},
      {"GET", "/api/v1/units/{unit_id}/inbox", "inbox", staff({sup, lia, hnd}), h::inbox,
       "单位待办工单：分页、按状态筛选"},
      {"GET", "/api/v1/units/{unit_id}/overview", "unit_overview", staff({sup, lia, hnd}),
       h::unit_overview, "单位概况：区县政府含下属单位的在办、超期、督办数"},
      {"GET", "/api/v1/units/{unit_id}/events", "unit_events", staff({sup, lia, hnd}),
       h::unit_events, "单位实时事件推送 (SSE, M-D-2)"},
      {"GET", "/api/v1/office/overview", "office_overview", staff({op, sup}), h::office_overview,
       "热线办概况：协调、回访、通报、督办"},
      {"GET", "/api/v1/overview", "overview", staff({op, sup}), h::overview,
       "全市在办工单概览与受理速率 (M-D-1)"},
      {"GET", "/api/v1/warnings", "warnings", staff({op, sup}), h::warnings,
       "预警：异常升高、多人反映、重复来电、超期骤增 (M-D-1)"},
      {"GET", "/api/v1/office/events", "office_events", staff({op, sup}), h::office_events,
       "热线办实时事件推送 (SSE, M-SV-1)"},
      {"GET", "/api/v1/tickets/{no}", "ticket", anonymous_or({op, sup, lia, hnd}), h::get_ticket,
       "工单：来电人凭提取码，工作人员凭身份"},
      {"GET", "/api/v1/tickets/{no}/timeline", "timeline", staff({op, sup, lia, hnd}), h::timeline,
       "工单全过程 (M-SV-3)"},
      {"POST", "/api/v1/tickets/{no}/accept", "accept", staff({lia}), h::accept, "签收"},
      {"POST", "/api/v1/tickets/{no}/reply", "reply", staff({lia, hnd}), h::reply, "答复"},
      {"POST", "/api/v1/tickets/{no}/return", "return", staff({lia}), h::return_ticket,
       "退单 (M-RT-4)"},
      {"POST", "/api/v1/tickets/{no}/extension", "extension", staff({lia}), h::request_extension,
       "申请延期 (M-DL-5)"},
      {"POST", "/api/v1/tickets/{no}/extension/decision", "extension_decision", staff({sup, lia}),
       h::decide_extension, "审批延期：上一级 (M-DL-5)"},
      {"POST", "/api/v1/tickets/{no}/opinion", "opinion", staff({lia, hnd}), h::opinion,
       "协办意见 (M-DL-4)"},
      {"POST", "/api/v1/tickets/{no}/handler", "handler", staff({lia}), h::name_handler,
       "指定具体承办单位 (M-RT-3)"},
      {"POST", "/api/v1/tickets/{no}/handler-report", "handler-report", staff({lia, hnd}),
       h::handler_report, "具体承办单位反馈 (M-RT-3)"},
      {"POST", "/api/v1/tickets/{no}/designation", "designation", staff({sup}), h::designation,
       "指定牵头与协办单位 (M-RT-2)"},
      {"POST", "/api/v1/tickets/{no}/escalate", "escalate", staff({sup}), h::escalate,
       "督办升级 (M-SV-1)"},
      {"POST", "/api/v1/tickets/{no}/callback", "callback", staff({sup}), h::callback,
       "回访 (M-SV-2)"},
      {"POST", "/api/v1/tickets/{no}/caller-contact", "caller_contact", staff({op, sup}),
       h::reveal_caller_contact, "查看来电人联系方式，须说明用途并留痕 (M-D-3)"},
      {"POST", "/api/v1/kb/articles", "kb_create", staff({lia, hnd}), h::kb_create,
       "单位起草知识条目 (M-KB-2)"},
      {"GET", "/api/v1/kb/search", "kb_search", anonymous_or(all_roles()), h::kb_search,
       "知识库检索：公众仅见已发布 (M-KB-4)"},
      {"GET", "/api/v1/kb/articles/{id}", "kb_article", anonymous_or(all_roles()), h::kb_article,
       "知识条目：工作人员见全部版本，公众见已发布版本"},
      {"PUT", "/api/v1/kb/articles/{id}", "kb_revise", staff({lia, hnd}), h::kb_revise,
       "修订知识条目：新版本审核期间旧版本继续有效"},
      {"POST", "/api/v1/kb/articles/{id}/submit", "kb_submit", staff({lia}), h::kb_submit,
       "提交审核 (M-KB-2)"},
      {"POST", "/api/v1/kb/articles/{id}/review", "kb_review", staff({sup}), h::kb_review,
       "热线办审核：通过或退回 (M-KB-3)"},
      {"POST", "/api/v1/kb/articles/{id}/retire", "kb_retire", staff({lia, sup}), h::kb_retire,
       "下架知识条目，须说明理由"},
      {"GET", "/api/v1/kb/gaps", "kb_gaps", staff({sup}), h::kb_gaps,
       "知识库缺口：未引用知识即答复的咨询，按内容归并 (M-KB-3)"},
      {"POST", "/api/v1/kb/requests", "kb_request", staff({sup}), h::kb_request,
       "向主管单位发出知识维护要求（实时推送）"},
      {"GET", "/api/v1/kb/requests", "kb_requests", staff({sup, lia, hnd}), h::kb_requests,
       "知识维护要求：热线办见全部，单位见本单位"},
      {"POST", "/api/v1/kb/requests/{id}/close", "kb_request_close", staff({lia}),
       h::kb_close_request, "单位以知识条目办结维护要求"},
      {"GET", "/api/v1/kb/stats", "kb_stats", staff({sup, lia}), h::kb_stats,
       "知识库使用与维护统计，按单位 (M-KB-3, M-E-1)"},
      {"GET", "/api/v1/evaluation", "evaluation", staff({sup, role::admin, lia}), h::get_evaluation,
       "承办单位考核：响应率、按时办结率、解决率、满意率、得分与排名 (M-E-1)"},
      {"GET", "/api/v1/evaluation/tickets", "evaluation_tickets", staff({sup, lia}),
       h::get_evaluation_tickets, "考核指标背后的工单 (M-E-1)"},
      {"POST", "/api/v1/session", "login", open(), h::login, "工作人员登录"},
      {"GET", "/api/v1/session", "whoami", staff(all_roles()), h::whoami, "当前登录人"},
      {"DELETE", "/api/v1/session", "logout", staff(all_roles()), h::logout, "退出登录"},
      {"GET", "/api/v1/users", "users", staff({role::admin}), h::list_users, "账号列表"},
      {"POST", "/api/v1/users", "user_add", staff({role::admin}), h::add_user, "新增账号"},
      {"POST", "/api/v1/users/{username}/disable", "user_disable", staff({role::admin}),
       h::disable_user, "停用账号并结束其全部会话"},
      {"POST", "/api/v1/users/{username}/enable", "user_enable", staff({role::admin}),
       h::enable_user, "启用账号"},
      {"POST", "/api/v1/webhooks", "webhook_add", staff({sup, role::admin}), h::add_webhook,
       "订阅工单环节推送 (webhook)"},
      {"GET", "/api/v1/webhooks", "webhooks", staff({sup, role::admin}), h::list_webhooks,
       "webhook 订阅列表（不含密钥）"},
      {"GET", "/api/v1/webhooks/{webhook_id}", "webhook", staff({sup, role::admin}), h::get_webhook,
       "一个 webhook 订阅"},
      {"DELETE", "/api/v1/webhooks/{webhook_id}", "webhook_remove", staff({sup, role::admin}),
       h::remove_webhook, "删除 webhook 订阅"},
      {"GET", "/api/v1/webhooks/{webhook_id}/dead-letters", "webhook_dead_letters",
       staff({sup, role::admin}), h::webhook_dead_letters, "投递失败、已搁置的事件"},
      {"POST", "/api/v1/webhooks/{webhook_id}/dead-letters/replay", "webhook_replay",
       staff({sup, role::admin}), h::replay_webhook, "重新投递搁置的事件"},
      {"GET", "/api/v1/audit", "audit", staff({role::auditor}), h::read_audit, "审计日志"},
      // Open311 GeoReport v2 (issue 12): open to the table; the api_key of
      // an integrator (adapters/auth/integrators) and its scopes are checked
      // by the handlers, reads without a key get public fields only.
      {"GET", "/open311/v2/discovery.{format}", "o311_discovery", open(), h::o311_discovery,
       "Open311 服务发现"},
      {"GET", "/open311/v2/services.{format}", "o311_services", open(), h::o311_services,
       "Open311 服务列表：诉求分类"},
      {"GET", "/open311/v2/services/{service}", "o311_service", open(), h::o311_service,
       "Open311 服务定义：诉求类型等属性"},
      {"POST", "/open311/v2/requests.{format}", "o311_post", open(), h::o311_post_request,
       "Open311 提交诉求（api_key，intake 权限）"},
      {"GET", "/open311/v2/requests.{format}", "o311_requests", open(), h::o311_requests,
       "Open311 诉求列表：状态、承办单位、时限"},
      {"GET", "/open311/v2/requests/{request}", "o311_request", open(), h::o311_request,
       "Open311 一件诉求"},
      {"GET", "/open311/v2/servicerequestupdates.{format}", "o311_updates", open(), h::o311_updates,
       "Open311 办理进展（FixMyStreet 扩展）"},
      {"POST", "/open311/v2/servicerequestupdates.{format}", "o311_post_update", open(),
       h::o311_post_update, "Open311 来电人追加说明（FixMyStreet 扩展，intake 或 updates 权限）"},
  };
  return table;
}

route_match find_route(const std::vector<route>& table, std::string_view method,
                       std::string_view path) {
  route_match out;
  const auto parts = segments(path);
  for (const auto& r : table) {
    std::map<std::string, std::string> params;
    if (!matches(r.pattern, parts, &params))
      continue;
    if (r.method == method) {
      out.r = &r;
      out.params = std::move(params);
      return out;
    }
    out.allowed.push_back(r.method);
  }
  return out;
}

verdict authorize(const route& r, const std::optional<routing::principal>& who) {
  if (r.who.open)
    return verdict::allow;
  if (!who)
    return r.who.anonymous ? verdict::allow : verdict::unauthenticated;
  return who->roles.any_of(r.who.roles) ? verdict::allow : verdict::forbidden;
}

std::string rbac_matrix_markdown(const std::vector<route>& table) {
  std::ostringstream out;
  out << "| endpoint | anonymous |";
  for (std::size_t i = 0; i < routing::role_count; ++i)
    out << " " << routing::to_string(static_cast<role>(i)) << " |";
  out << "\n|---|---|";
  for (std::size_t i = 0; i < routing::role_count; ++i)
    out << "---|";
  out << "\n";
  for (const auto& r : table) {
    out << "| `" << r.method << " " << r.pattern << "` | "
        << (r.who.open || r.who.anonymous ? "✓" : "·") << " |";
    for (std::size_t i = 0; i < routing::role_count; ++i)
      out << " " << (r.who.open || r.who.roles.has(static_cast<role>(i)) ? "✓" : "·") << " |";
    out << "\n";
  }
  return out.str();
}

} // namespace hotline::http
