// The office's actions on a ticket (issue 15 item 3), used by the ticket
// page (actions(view, ctx, reload)) and by the office's own pages:
//   designation of a lead and cooperating units (coordinating, M-RT-2),
//   escalation (M-SV-1), the audited reveal of the caller's contact (M-D-3),
//   the callback (replied, M-SV-2) and the extension decision when the
//   office is the unit one level up (city departments, enterprises, M-DL-5).
// The server decides who may do what (the route table); these only leave
// out what it would refuse.
import { h, clear, append, field, notice } from '../dom.js';
import { post } from '../api.js';
import { showError, clearErrors } from '../errors.js';
import { SATISFACTION, lastDay } from '../format.js';
import { unitPicker } from '../units.js';

const enc = encodeURIComponent;

/** A form whose submit posts and reports; `body()` may throw an ApiError-like {field, code}. */
function form(title, children, submitText, send, { cls = 'primary', id } = {}) {
  const button = h('button', { type: 'submit', class: cls }, submitText);
  const f = h('form', { class: 'office-action', id, 'aria-label': title }, h('h3', {}, title), children, h('div', { class: 'actions' }, button));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    button.disabled = true;
    try { await send(f); } catch (e) { showError(f, e); } finally { button.disabled = false; }
  });
  return f;
}

/** 指定承办 (M-RT-2): a lead and cooperating units, searched by name, and why. */
export function designationForm(view, done) {
  const p = view.proposal;
  const lead = unitPicker({ exclude: () => coop.value() });
  const coop = unitPicker({ multiple: true, exclude: () => [lead.value()].filter(Boolean), placeholder: '输入单位名称搜索，可选多个' });
  const reason = h('textarea', { rows: 2, maxlength: 1000, placeholder: '如：建筑工地夜间施工，城管牵头，住建、生态环境协同' });
  const useProposal = p ? h('button', { type: 'button', onclick: () => lead.pick(p.unit_id) }, `采用建议：${p.unit_name}为主办`) : null;
  return form('指定承办单位（M-RT-2）', [
    p ? h('p', { class: 'preview' }, h('b', {}, '历史指定参考：'), p.reason, ' ', useProposal) : null,
    field('主办单位', lead.input, { name: 'lead_unit_id', hint: '输入名称筛选，↓ 键进入列表，回车选择' }), lead.box,
    field('协办单位（可选）', coop.input, { name: 'cooperating_unit_ids' }), coop.box,
    field('指定理由', reason, { name: 'reason' }),
  ], '确认指定', async () => {
    // What was chosen goes as it is: the API names what is missing or wrong.
    const body = { cooperating_unit_ids: coop.value(), reason: reason.value.trim() };
    if (lead.value()) body.lead_unit_id = lead.value();
    const v = await post(`/api/v1/tickets/${enc(view.ticket_no)}/designation`, body);
    notice(`工单 ${v.ticket_no} 已指定${v.assignment ? v.assignment.unit_name : ''}主办`);
    done(v);
  }, { id: `designate-${view.ticket_no}` });
}

/** 督办 (M-SV-1): an office escalation with its reason. */
export function escalationForm(view, done) {
  const reason = h('textarea', { rows: 2, maxlength: 1000 });
  return form('热线督办（M-SV-1）', [field('督办理由', reason, { name: 'reason' })], '督办', async () => {
    const v = await post(`/api/v1/tickets/${enc(view.ticket_no)}/escalate`, { reason: reason.value.trim() });
    notice(`工单 ${view.ticket_no} 已督办`);
    done(v);
  }, { cls: 'danger' });
}

/**
 * 查看来电人联系方式: shown only after an explicit click, and the page says
 * the reveal is recorded in the audit log (M-D-3). Nothing is kept: leaving
 * the page forgets it.
 */
export function revealBlock(view, purpose = 'callback') {
  const out = h('div', { class: 'reveal', 'aria-live': 'polite' });
  const why = purpose === 'callback' ? '回访' : '核实诉求';
  const button = h('button', { type: 'button' }, `查看来电人联系方式（${why}）`);
  const f = h('div', { class: 'office-action' }, h('h3', {}, '来电人联系方式'),
    h('p', { class: 'hint' }, '联系方式默认隐藏。点击查看将记入审计日志（查看人、时间、工单、用途，M-D-3）。'),
    button, out);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await post(`/api/v1/tickets/${enc(view.ticket_no)}/caller-contact`, { purpose });
      append(clear(out), h('dl', { class: 'facts' },
        h('dt', {}, '姓名'), h('dd', { class: 'caller-name' }, r.caller.name || '—'),
        h('dt', {}, '电话'), h('dd', { class: 'caller-phone' }, r.caller.phone || '—')),
      h('p', { class: 'hint' }, `已记入审计日志（编号 ${r.audit_id}，用途：${why}，${r.rule}）`));
      button.remove();
    } catch (e) {
      button.disabled = false;
      showError(f, e);
    }
  });
  return f;
}

/** 回访 (M-SV-2): satisfied or basically satisfied and resolved closes; anything else reopens. */
export function callbackForm(view, done) {
  const name = `cb-${view.ticket_no}`;
  const sat = h('fieldset', { 'data-field': 'satisfaction', id: `${name}-sat`, tabindex: -1 }, h('legend', {}, '满意度'),
    SATISFACTION.map(([v, label]) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: `${name}-s`, value: v }), ` ${label} `)),
    h('div', { class: 'field-error', role: 'alert', id: `${name}-sat-err` }));
  const res = h('fieldset', { 'data-field': 'resolved', id: `${name}-res`, tabindex: -1 }, h('legend', {}, '诉求是否解决'),
    [['true', '已解决'], ['false', '未解决']].map(([v, label]) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: `${name}-r`, value: v }), ` ${label} `)),
    h('div', { class: 'field-error', role: 'alert', id: `${name}-res-err` }));
  const outcome = h('p', { class: 'hint' }, '满意或基本满意且已解决：工单办结；否则退回承办单位重办（M-SV-2）。');
  return form('回访结果（M-SV-2）', [sat, res, outcome], '提交回访', async (f) => {
    const s = f.querySelector(`input[name="${name}-s"]:checked`);
    const r = f.querySelector(`input[name="${name}-r"]:checked`);
    const body = {};
    if (s) body.satisfaction = s.value;
    if (r) body.resolved = r.value === 'true';
    const v = await post(`/api/v1/tickets/${enc(view.ticket_no)}/callback`, body);
    notice(v.status === 'closed' ? `工单 ${v.ticket_no} 已办结` : `工单 ${v.ticket_no} 已退回重办（${v.status_label}）`);
    done(v);
  }, { id: `callback-${view.ticket_no}` });
}

/** 延期审批 (M-DL-5) by the office, for the units it is one level above. */
export function decisionForm(view, done) {
  const x = view.extension || {};
  const note = h('textarea', { rows: 2, maxlength: 1000 });
  let approve = null;
  const f = form('延期审批（M-DL-5）', [
    h('p', {}, `申请延至 ${x.new_deadline ? lastDay(x.new_deadline) : '—'}（最后办理日）。理由：${x.reason || '—'}`),
    h('p', { class: 'hint' }, `办理进展：${x.progress || '—'}`),
    field('审批意见（可选）', note, { name: 'note' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', onclick: () => { approve = true; } }, '批准延期'),
      h('button', { type: 'submit', class: 'danger', onclick: () => { approve = false; } }, '不予延期')),
  ], '', async () => {
    const body = { approve };
    if (note.value.trim()) body.note = note.value.trim();
    const v = await post(`/api/v1/tickets/${enc(view.ticket_no)}/extension/decision`, body);
    notice(approve ? `工单 ${view.ticket_no} 已批准延期` : `工单 ${view.ticket_no} 不予延期`);
    done(v);
  }, { id: `decision-${view.ticket_no}` });
  f.querySelector(':scope > .actions:last-child').remove(); // the two buttons above submit
  return f;
}

/** Whether the office decides this ticket's pending extension (its unit one level up). */
export function officeDecides(view, user) {
  return !!(view.extension && view.extension.status === 'pending' && view.assignment
    && user && user.office && view.assignment.supervisor_id === user.unit_id);
}

/** The office's actions for the ticket page. */
export function actions(view, ctx, reload) {
  const u = ctx.user;
  if (!u || !u.office) return [];
  const sup = ctx.is.supervisor(u);
  const op = ctx.is.operator(u);
  const done = () => reload();
  const out = [];
  if (sup && view.status === 'coordinating') out.push(designationForm(view, done));
  if (view.status === 'replied' && (sup || op)) out.push(revealBlock(view, 'callback'));
  else if (view.status !== 'closed' && (sup || op)) out.push(revealBlock(view, 'clarification'));
  if (sup && view.status === 'replied') out.push(callbackForm(view, done));
  if (sup && officeDecides(view, u)) out.push(decisionForm(view, done));
  if (sup && view.status !== 'closed') out.push(escalationForm(view, done));
  return out;
}
