#include "routing/timeline.hpp"

#include <algorithm>

#include "routing/civil_time.hpp"
#include "routing/names.hpp"

namespace hotline::routing {

namespace {

std::string name_of_unit(const directory& dir, const std::string& id) {
  const unit* u = dir.find_unit(id);
  return u ? u->name : id;
}

std::string join_rules(const std::vector<reason>& reasons, const std::string& extra) {
  std::vector<std::string> rules;
  for (const auto& r : reasons)
    if (std::find(rules.begin(), rules.end(), r.rule) == rules.end())
      rules.push_back(r.rule);
  if (!extra.empty() && std::find(rules.begin(), rules.end(), extra) == rules.end())
    rules.push_back(extra);
  std::string out;
  for (const auto& r : rules)
    out += (out.empty() ? "" : ", ") + r;
  return out;
}

std::string join_reasons(const std::vector<reason>& reasons) {
  std::string out;
  for (const auto& r : reasons)
    out += (out.empty() ? "" : "；") + r.text;
  return out;
}

// Issue 11: how sure the assignment was, in Chinese.
std::string confidence_text(const confidence& c) {
  const char* level = c.level == confidence_level::high     ? "高"
                      : c.level == confidence_level::medium ? "中"
                                                            : "低";
  return std::string("。派单置信度：") + level + (c.reason.empty() ? "" : "（" + c.reason + "）");
}

std::string coop_text(const directory& dir, const std::vector<std::string>& coop) {
  if (coop.empty())
    return "";
  std::string out = "协同单位：";
  for (std::size_t i = 0; i < coop.size(); ++i)
    out += (i ? "、" : "") + name_of_unit(dir, coop[i]);
  return out + "。";
}

std::string channel_zh(channel c) {
  switch (c) {
  case channel::phone:
    return "电话";
  case channel::web:
    return "网站";
  case channel::app:
    return "App";
  case channel::wechat:
    return "微信";
  case channel::integrator:
    return "系统对接";
  }
  return "";
}

std::string satisfaction_zh(satisfaction s) {
  switch (s) {
  case satisfaction::satisfied:
    return "满意";
  case satisfaction::basically_satisfied:
    return "基本满意";
  case satisfaction::not_satisfied:
    return "不满意";
  }
  return "";
}

} // namespace

std::vector<timeline_entry> timeline(const std::vector<event>& events, const directory& dir,
                                     const std::vector<person>& people) {
  std::vector<timeline_entry> out;
  ticket_state s;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const event& e = events[i];
    timeline_entry t;
    if (i < people.size())
      t.by = people[i];
    t.at = event_time(e);
    t.type = std::string(event_type(e));
    const std::string office = dir.office_id();
    std::visit(
        overloaded{
            [&](const registered& x) {
              t.actor = "caller";
              t.rule = "M-R-1";
              t.label_zh = "登记";
              t.label_en = "registered";
              const category* c = dir.find_category(x.category);
              t.detail = "经" + channel_zh(x.via) + "渠道受理" + std::string(label_zh(x.kind))
                         + "：" + (c ? c->name : x.category) + "，地点：" + x.address;
            },
            [&](const dispatched& x) {
              t.actor = office;
              t.rule = join_rules(x.reasons, x.deadline_rule);
              t.label_zh = "派单";
              t.label_en = "dispatched";
              t.detail = "派至" + name_of_unit(dir, x.unit_id) + "，督办单位"
                         + name_of_unit(dir, x.supervisor_id) + "，最后办理日"
                         + deadline_date(x.due) + (x.provisional ? "（暂定）" : "") + "。"
                         + coop_text(dir, x.cooperating) + join_reasons(x.reasons)
                         + confidence_text(x.sure);
            },
            [&](const coordination_requested& x) {
              t.actor = office;
              t.rule = join_rules(x.reasons, "");
              t.label_zh = "转协调";
              t.label_en = "sent to coordination";
              t.detail = join_reasons(x.reasons);
            },
            [&](const accepted& x) {
              t.actor = x.unit_id;
              t.rule = "M-RT-1";
              t.label_zh = "签收";
              t.label_en = "accepted";
              t.detail = name_of_unit(dir, x.unit_id) + "签收";
            },
            [&](const replied& x) {
              t.actor = x.unit_id;
              t.rule = s.assignment ? s.assignment->deadline_rule : "";
              t.label_zh = "答复";
              t.label_en = "replied";
              t.detail = name_of_unit(dir, x.unit_id) + "答复：" + x.text;
            },
            [&](const called_back& x) {
              t.actor = office;
              t.rule = "M-SV-2";
              t.label_zh = "回访";
              t.label_en = "called back";
              t.detail = "来电人评价：" + satisfaction_zh(x.result) + "，"
                         + (x.resolved ? "已解决" : "未解决");
            },
            [&](const closed& x) {
              t.actor = office;
              t.rule = x.rule;
              t.label_zh = "办结归档";
              t.label_en = "closed and archived";
              t.detail = "闭环办结";
            },
            [&](const disposed& x) {
              t.actor = office;
              t.rule = x.kind == disposal_kind::refusal ? x.rule : "M-C-1";
              t.label_zh = std::string(label_zh(x.kind));
              t.label_en = std::string(to_string(x.kind));
              if (x.kind == disposal_kind::refusal)
                t.detail = "不予受理：" + x.basis
                           + (x.referral_name.empty() ? "" : "；请联系" + x.referral_name)
                           + (x.referral_contact.empty() ? "" : "（" + x.referral_contact + "）");
              else if (x.kind == disposal_kind::direct_answer)
                t.detail
                    = "直接答复：" + x.answer
                      + (x.article_id.empty() ? ""
                                              : "（引用知识库" + x.article_id + "第"
                                                    + std::to_string(x.article_version) + "版）");
              else
                t.detail = std::string(label_zh(x.kind)) + "至" + x.target;
            },
            [&](const escalated& x) {
              t.actor = office; // the office's supervision, by timer or by hand
              t.rule = "M-SV-1";
              t.label_zh = std::string(label_zh(x.level));
              t.label_en = std::string(to_string(x.level));
              std::string who;
              for (const auto& n : x.notified)
                who += (who.empty() ? "" : "、") + name_of_unit(dir, n);
              t.detail = std::string(label_zh(x.level))
                         + (x.unit.empty()
                                ? ""
                                : "（协同单位" + name_of_unit(dir, x.unit) + "未按时提交意见）")
                         + (x.unit.empty() ? "，最后办理日" : "，意见最后提交日")
                         + deadline_date(x.due) + (who.empty() ? "" : "，通知：" + who)
                         + (x.reason.empty() ? "" : "；理由：" + x.reason);
            },
            [&](const handler_named& x) {
              t.actor = x.by;
              t.rule = "M-RT-3";
              t.label_zh = "指定具体承办单位";
              t.label_en = "concrete handler named";
              t.detail = name_of_unit(dir, x.by) + "指定" + name_of_unit(dir, x.handler_id)
                         + "具体承办：" + x.instruction;
            },
            [&](const handler_reported& x) {
              t.actor = x.handler_id;
              t.rule = "M-RT-3";
              t.label_zh = "具体承办反馈";
              t.label_en = "handler reported";
              t.detail = name_of_unit(dir, x.handler_id) + "反馈：" + x.text;
            },
            [&](const repeat_linked& x) {
              t.actor = "caller";
              t.rule = "M-S-2";
              t.label_zh = "重复来电并入";
              t.label_en = "repeat linked";
              t.detail
                  = "来电人经" + channel_zh(x.via) + "就同一诉求再次反映，并入本工单：" + x.content;
            },
            [&](const follow_up_added& x) {
              t.actor = "caller";
              t.rule = "M-P-2";
              t.label_zh = "来电人追加说明";
              t.label_en = "caller followed up";
              t.detail = "来电人经" + channel_zh(x.via) + "追加说明：" + x.text;
            },
            [&](const returned& x) {
              t.actor = x.unit_id;
              t.rule = "M-RT-4";
              t.label_zh = "退单";
              t.label_en = "returned";
              t.detail = name_of_unit(dir, x.unit_id) + "退单，理由：" + x.reason;
            },
            [&](const opinion_submitted& x) {
              t.actor = x.unit_id;
              t.rule = "M-DL-4";
              t.label_zh = "协办意见";
              t.label_en = "cooperating opinion";
              t.detail = name_of_unit(dir, x.unit_id) + "提交协办意见：" + x.text;
            },
            [&](const reopened& x) {
              t.actor = office;
              t.rule = "M-SV-2";
              t.label_zh = "重办";
              t.label_en = "reopened";
              t.detail = "第" + std::to_string(x.count) + "次重办，退回"
                         + (s.assignment ? name_of_unit(dir, s.assignment->unit_id) : "")
                         + "，最后办理日" + deadline_date(x.due);
            },
            [&](const extension_requested& x) {
              t.actor = x.unit_id;
              t.rule = "M-DL-5";
              t.label_zh = "申请延期";
              t.label_en = "extension requested";
              t.detail = "申请延期，最后办理日延至" + deadline_date(x.new_due) + "，理由："
                         + x.reason + (x.progress.empty() ? "" : "；办理进展：" + x.progress);
            },
            [&](const extension_decided& x) {
              t.actor = x.by;
              t.rule = "M-DL-5";
              t.label_zh = x.approved ? "批准延期" : "不予延期";
              t.label_en = x.approved ? "extension approved" : "extension refused";
              t.detail = name_of_unit(dir, x.by)
                         + (x.approved ? "批准延期，最后办理日延至" + deadline_date(x.new_due)
                                       : std::string("不予延期"))
                         + (x.note.empty() ? "" : "：" + x.note);
            },
        },
        e);
    s = apply(std::move(s), e);
    out.push_back(std::move(t));
  }
  return out;
}

} // namespace hotline::routing
