// 工单详情 (#/ticket/NO): the staff view (docs/API.md §2.3) — the demand,
// the masked caller, the assignment with its reasons and rule ids, the last
// working day, lead and cooperating units, extension, supervision — the
// whole timeline (§2.7c), and the actions the account may take: the unit's
// (actions/unit.js) and the office's (actions/office.js).
import { h, clear } from '../dom.js';
import { get } from '../api.js';
import { describe } from '../errors.js';
import { dateTime, deadline, label, lastDay, KIND_LABEL, CHANNEL_LABEL, SATISFACTION } from '../format.js';
import { actions as unitActions } from '../actions/unit.js';
import { actions as officeActions } from '../actions/office.js';

const CONFIDENCE_LABEL = { high: '高', medium: '中', low: '低' };
const EXTENSION_LABEL = { pending: '待审批', approved: '已批准', refused: '未批准' };
const SATISFACTION_LABEL = Object.fromEntries(SATISFACTION);

/** A definition list from [term, value] pairs, leaving out empty values. */
function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([t, v]) => [h('dt', {}, t), h('dd', {}, v)]));
}

function ruleList(reasons) {
  if (!reasons || !reasons.length) return null;
  return h('ul', { class: 'reasons' }, reasons.map((r) => h('li', {}, h('span', { class: 'badge' }, r.rule), ' ', r.text)));
}

function statusBadge(v) {
  const cls = v.status === 'closed' ? 'ok' : v.status === 'coordinating' ? 'warn' : '';
  return h('span', { class: `badge ${cls}`, dataset: { status: v.status } }, v.status_label || v.status);
}

function demandCard(v) {
  return h('section', { class: 'card', 'aria-labelledby': 'demand-h' },
    h('h2', { id: 'demand-h' }, '诉求'),
    facts([
      ['诉求类型', label(v, 'kind', KIND_LABEL)],
      ['诉求类别', v.category ? v.category.name : '—'],
      ['受理渠道', label(v, 'channel', CHANNEL_LABEL)],
      ['登记时间', dateTime(v.submitted_at)],
      ['来电人', v.caller ? `${v.caller.name || '—'}　${v.caller.phone || ''}` : '—'],
      ['地址', (v.location && v.location.address) || '—'],
      ['诉求内容', h('span', { class: 'content' }, v.content || '—')],
    ]));
}

function assignmentCard(v) {
  const a = v.assignment;
  const parts = [h('h2', { id: 'assign-h' }, '派单与时限')];
  if (!a) {
    parts.push(h('p', {}, '等待热线协调指定承办单位（M-RT-2）'), ruleList(v.coordination && v.coordination.reasons));
  } else {
    parts.push(facts([
      ['主办单位', a.unit_name || a.unit_id],
      ['督办单位', a.supervisor_name || a.supervisor_id],
      ['派单时间', dateTime(a.assigned_at)],
      ['最后办理日', h('strong', { class: 'deadline' }, deadline(v))],
      ['时限依据', [v.deadline_rule, v.deadline_provisional ? '（未载入该年节假日，暂按周末推算）' : '']],
      ['派单置信度', a.confidence ? `${CONFIDENCE_LABEL[a.confidence.level] || a.confidence.level}${a.confidence.reason ? `：${a.confidence.reason}` : ''}` : null],
      ['签收时间', v.accepted_at ? dateTime(v.accepted_at) : null],
      ['重办次数', v.reopen_count ? String(v.reopen_count) : null],
    ]), h('h3', {}, '派单理由'), ruleList(a.reasons) || h('p', { class: 'empty' }, '—'));
  }
  return h('section', { class: 'card', 'aria-labelledby': 'assign-h' }, parts);
}

function unitsCard(v) {
  const coop = v.cooperating || [];
  const ch = v.concrete_handler;
  if (!coop.length && !ch) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'units-h' },
    h('h2', { id: 'units-h' }, '主办、协办与具体承办'),
    coop.length ? h('ul', { class: 'coop' }, coop.map((c) => h('li', { dataset: { unit: c.unit_id } },
      h('strong', {}, c.unit_name || c.unit_id), '（协办）', ' ',
      c.opinion ? [h('span', { class: 'badge ok' }, '已提交意见'), h('div', {}, c.opinion)]
        : h('span', { class: 'badge warn' }, '待提交意见')))) : null,
    ch ? facts([
      ['具体承办单位', ch.unit_name || ch.unit_id],
      ['交办时间', dateTime(ch.named_at)],
      ['交办要求', ch.instruction],
      ['办理报告', ch.report ? `${ch.report.text}（${dateTime(ch.report.at)}）` : '尚未报告'],
    ]) : null);
}

function extensionCard(v) {
  const x = v.extension;
  if (!x) return null;
  const cls = x.status === 'approved' ? 'ok' : x.status === 'refused' ? 'bad' : 'warn';
  return h('section', { class: 'card', 'aria-labelledby': 'ext-h' },
    h('h2', { id: 'ext-h' }, '延期申请 ', h('span', { class: `badge ${cls}` }, EXTENSION_LABEL[x.status] || x.status)),
    facts([
      ['申请时间', dateTime(x.requested_at)],
      ['申请延至', `${lastDay(x.new_deadline)}（最后办理日）`],
      ['延期理由', x.reason],
      ['办理进展', x.progress],
      ['审批单位', x.decided_by ? x.decided_by.unit_name : null],
      ['审批时间', x.decided_at ? dateTime(x.decided_at) : null],
      ['审批意见', x.note],
    ]));
}

function supervisionCard(v) {
  const list = v.escalations || [];
  const returns = v.returns || [];
  if (!list.length && !returns.length) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'sup-h' },
    h('h2', { id: 'sup-h' }, '督办与退单'),
    list.length ? h('ul', {}, list.map((e) => h('li', {},
      h('span', { class: `badge ${e.level === 'reminder' ? 'warn' : 'bad'}` }, e.label || e.level), ' ',
      dateTime(e.at), e.late_unit ? `，逾期单位：${e.late_unit.unit_name}` : '',
      e.reason ? `，${e.reason}` : '', ' ', h('span', { class: 'steps-rule' }, e.rule)))) : null,
    returns.length ? h('ul', {}, returns.map((r) => h('li', {},
      h('span', { class: 'badge warn' }, '退单'), ' ', `${r.unit_name}，${dateTime(r.at)}：${r.reason}`,
      ' ', h('span', { class: 'steps-rule' }, 'M-RT-4')))) : null);
}

function answerCard(v) {
  if (!v.answer && !v.callback) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'answer-h' },
    h('h2', { id: 'answer-h' }, '答复与回访'),
    facts([
      ['答复内容', v.answer ? v.answer.text : null],
      ['答复时间', v.answer ? dateTime(v.answer.at) : null],
      ['回访结果', v.callback ? `${SATISFACTION_LABEL[v.callback.satisfaction] || v.callback.satisfaction}，${v.callback.resolved ? '已解决' : '未解决'}` : null],
      ['回访时间', v.callback ? dateTime(v.callback.at) : null],
      ['办结时间', v.closed_at ? dateTime(v.closed_at) : null],
    ]));
}

function timelineCard(tl) {
  const steps = (tl && tl.steps) || [];
  return h('section', { class: 'card', 'aria-labelledby': 'tl-h' },
    h('h2', { id: 'tl-h' }, '办理过程'),
    steps.length ? h('ol', { class: 'timeline' }, steps.map((s) => h('li', { dataset: { type: s.type } },
      h('div', {}, h('strong', {}, s.label_zh || s.type), '　', dateTime(s.at)),
      h('div', {}, s.actor_name || '', s.by ? `（${s.by.display_name}）` : ''),
      s.detail ? h('div', { class: 'hint' }, s.detail) : null,
      s.rule ? h('div', { class: 'steps-rule' }, s.rule) : null))) : h('p', { class: 'empty' }, '暂无记录'));
}

async function render(root, ctx) {
  const no = ctx.params[0];
  if (!no) {
    root.append(h('p', {}, '请从待办工单中选择一个工单。'));
    return undefined;
  }
  async function load() {
    let v;
    let tl = null;
    try {
      [v, tl] = await Promise.all([
        get(`/api/v1/tickets/${encodeURIComponent(no)}`),
        get(`/api/v1/tickets/${encodeURIComponent(no)}/timeline`).catch(() => null),
      ]);
    } catch (e) {
      clear(root).append(h('h1', {}, `工单 ${no}`), h('p', { class: 'form-error', role: 'alert' }, describe(e)));
      return;
    }
    const reload = () => load();
    const acts = [...unitActions(v, ctx, reload), ...officeActions(v, ctx, reload)];
    const focusId = document.activeElement && document.activeElement.id;
    clear(root).append(
      h('h1', {}, `工单 ${v.ticket_no} `, statusBadge(v)),
      h('div', { class: 'cols' },
        h('div', {},
          demandCard(v), assignmentCard(v), unitsCard(v), extensionCard(v), supervisionCard(v), answerCard(v)),
        h('div', {},
          h('section', { class: 'card', 'aria-labelledby': 'act-h', id: 'ticket-actions' },
            h('h2', { id: 'act-h' }, '办理'),
            acts.length ? acts : h('p', { class: 'empty' }, '当前状态下您没有可办理的操作。')),
          timelineCard(tl))));
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }
  await load();
  return undefined;
}

export default {
  id: 'ticket',
  title: '工单详情',
  nav: false,
  visible: (u) => !!u,
  render,
};
