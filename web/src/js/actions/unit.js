// The unit's actions on the ticket page (issue 15 item 4): 签收, 退单
// (M-RT-4), 申请延期 (M-DL-5), 指定具体承办单位 and its report (M-RT-3),
// 协办意见 (M-DL-4), 答复 (§2.6), and the extension decision of the unit one
// level up (§2.7b). Each is a small form shown only when the ticket's status
// and the account's unit and roles allow it; the server decides, this only
// hides what it would refuse. Every API error goes next to its field.
import { h, field, notice, select } from '../dom.js';
import { get, post } from '../api.js';
import { showError, clearErrors } from '../errors.js';
import { endOfDay, lastDay } from '../format.js';
import { is } from '../roles.js';

const OPEN = new Set(['dispatched', 'accepted']);

/**
 * A form titled `title` with `fields`, whose submit runs `send()` and then
 * `done(result)`; errors from the API land next to their field.
 */
function actionForm(id, title, fields, button, send, done, { danger = false, hint, folded = false } = {}) {
  const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, button);
  const form = h('form', { class: 'action', id: `act-${id}`, 'aria-labelledby': `act-${id}-h`, novalidate: true },
    folded ? null : h('h3', { id: `act-${id}-h` }, title), hint ? h('p', { class: 'hint' }, hint) : null,
    fields, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const out = await send();
      done(out);
    } catch (e) {
      showError(form, e);
    } finally {
      submit.disabled = false;
    }
  });
  // The less frequent steps stay folded until asked for: a short page.
  if (folded) return h('details', { class: 'action-more' }, h('summary', { id: `act-${id}-h` }, title), form);
  return form;
}

const textarea = (name, attrs = {}) => h('textarea', { name, ...attrs });
const path = (v, what) => `/api/v1/tickets/${encodeURIComponent(v.ticket_no)}/${what}`;

/** 签收: the lead acknowledges a dispatched ticket. */
function acceptForm(v, reload) {
  return actionForm('accept', '签收', [], '签收', () => post(path(v, 'accept')),
    () => { notice('已签收'); reload(); }, { hint: '签收后请在最后办理日前答复。' });
}

/** 退单: outside the unit's duties, with its reasons (M-RT-4). */
function returnForm(v, ctx) {
  const reason = textarea('reason', { maxlength: 1000, dataset: { label: '退单理由' } });
  return actionForm('return', '退单', [field('退单理由', reason, { name: 'reason', hint: '说明为何不属于本单位职责（M-RT-4），派单后2个工作日内可退。' })],
    '退回热线', () => post(path(v, 'return'), { reason: reason.value.trim() }),
    // The unit no longer sees a ticket it gave back: back to its worklist.
    () => { notice(`${v.ticket_no} 已退回热线协调`); ctx.go('#/inbox'); }, { danger: true, folded: true });
}

/** 申请延期: reasons, progress (shown to the caller) and the new last day (M-DL-5). */
function extensionForm(v, reload) {
  const reason = textarea('reason', { maxlength: 1000, dataset: { label: '延期理由' } });
  const progress = textarea('progress', { maxlength: 2000 });
  const day = h('input', { type: 'date', name: 'new_deadline', min: v.deadline_date || undefined });
  return actionForm('extension', '申请延期', [
    field('延期理由', reason, { name: 'reason' }),
    field('目前办理进展', progress, { name: 'progress', hint: '来电人查询时可以看到办理进展。' }),
    field('延期后的最后办理日', day, { name: 'new_deadline', hint: `现在的最后办理日：${v.deadline_date || '—'}` }),
  ], '提交延期申请', () => post(path(v, 'extension'), {
    reason: reason.value.trim(), progress: progress.value.trim(), new_deadline: day.value ? endOfDay(day.value) : '',
  }), () => { notice('延期申请已提交，等待上级单位审批'); reload(); },
  { hint: '须在最后办理日之前申请，由上一级单位审批（M-DL-5）。', folded: true });
}

/** 指定具体承办单位 (M-RT-3): a subordinate unit or an enterprise with public functions. */
function handlerForm(v, ctx, reload) {
  const unit = select([['', '正在加载单位…']], { name: 'handler_unit_id' });
  const instruction = textarea('instruction', { maxlength: 1000 });
  Promise.all([
    get(`/api/v1/units?parent=${encodeURIComponent(ctx.user.unit_id)}`).catch(() => ({ units: [] })),
    get('/api/v1/units?kind=enterprise').catch(() => ({ units: [] })),
  ]).then(([own, ent]) => {
    const group = (text, units) => (units.length
      ? [h('optgroup', { label: text }, units.map((x) => h('option', { value: x.id }, x.name)))] : []);
    unit.replaceChildren(h('option', { value: '' }, '请选择具体承办单位'),
      ...group('本单位下属单位', own.units), ...group('公共服务企事业单位', ent.units));
  });
  return actionForm('handler', '指定具体承办单位', [
    field('具体承办单位', unit, { name: 'handler_unit_id' }),
    field('交办要求', instruction, { name: 'instruction' }),
  ], '交办', () => post(path(v, 'handler'), { handler_unit_id: unit.value, instruction: instruction.value.trim() }),
  () => { notice('已交办，本单位仍负责答复'); reload(); }, { hint: '本单位仍对答复负责（M-RT-3）。', folded: true });
}

/** The concrete handler's report to the unit that named it (M-RT-3). */
function handlerReportForm(v, reload) {
  const text = textarea('text', { maxlength: 4000, dataset: { label: '办理情况' } });
  return actionForm('handler-report', '报告办理情况', [field('办理情况', text, { name: 'text' })],
    '提交报告', () => post(path(v, 'handler-report'), { text: text.value.trim() }),
    () => { notice('已报告办理情况'); reload(); }, { hint: `向${v.assignment ? v.assignment.unit_name : '主办单位'}报告；答复由主办单位作出。` });
}

/** 协办意见: a cooperating unit's opinion for the lead (M-DL-4). */
function opinionForm(v, reload) {
  const text = textarea('text', { maxlength: 4000, dataset: { label: '协办意见' } });
  return actionForm('opinion', '提交协办意见', [field('协办意见', text, { name: 'text' })],
    '提交意见', () => post(path(v, 'opinion'), { text: text.value.trim() }),
    () => { notice('协办意见已提交'); reload(); },
    { hint: `主办单位${v.assignment ? v.assignment.unit_name : ''}收齐协办意见后统一答复（M-DL-4）。` });
}

/** 答复: the lead's unified answer (§2.6), once every cooperating opinion is in. */
function replyForm(v, reload) {
  const missing = (v.cooperating || []).filter((c) => !c.opinion);
  if (missing.length) {
    return h('div', { class: 'action', id: 'act-reply' }, h('h3', {}, '答复'),
      h('p', { class: 'preview warn' }, `待以下协办单位提交意见后才能答复（M-DL-4）：${missing.map((c) => c.unit_name).join('、')}`));
  }
  const text = textarea('text', { maxlength: 4000, rows: 5 });
  return actionForm('reply', '答复', [field('答复内容', text, { name: 'text', hint: '来电人将看到这段答复，请写明办理结果。' })],
    '提交答复', () => post(path(v, 'reply'), { text: text.value.trim() }),
    () => { notice('已答复，等待热线回访'); reload(); },
    { hint: (v.cooperating || []).length ? '已收齐协办意见，请统一答复。' : null });
}

/** The extension decision of the unit one level up (§2.7b). */
export function decisionForm(v, reload, { id = 'decision' } = {}) {
  const note = textarea('note', { maxlength: 1000 });
  const x = v.extension;
  const form = actionForm(id, '审批延期申请', [
    h('p', {}, `${v.assignment.unit_name}申请延至 `, h('strong', {}, lastDay(x.new_deadline)), `：${x.reason || ''}`),
    field('审批意见', note, { name: 'note' }),
  ], '批准延期', () => post(path(v, 'extension/decision'), { approve: true, note: note.value.trim() || undefined }),
  (out) => { notice(`已批准，最后办理日改为 ${out.deadline_date}`); reload(out); });
  const refuse = h('button', { type: 'button', class: 'danger' }, '不予批准');
  refuse.addEventListener('click', async () => {
    clearErrors(form);
    refuse.disabled = true;
    try {
      const out = await post(path(v, 'extension/decision'), { approve: false, note: note.value.trim() || undefined });
      notice('已不予批准，时限不变');
      reload(out);
    } catch (e) { showError(form, e); } finally { refuse.disabled = false; }
  });
  form.querySelector('.actions').append(refuse);
  return form;
}

/** The unit's actions for this view and this account. */
export function actions(v, ctx, reload) {
  const u = ctx.user;
  if (!u || u.office) return [];
  const liaison = is.liaison(u);
  const staff = liaison || is.handler(u);
  const a = v.assignment;
  const lead = !!a && a.unit_id === u.unit_id;
  const open = OPEN.has(v.status);
  const out = [];
  if (lead && liaison && v.status === 'dispatched') out.push(acceptForm(v, reload));
  if (lead && staff && v.status === 'accepted') out.push(replyForm(v, reload));
  if (lead && liaison && open && !(v.extension && v.extension.status === 'pending')) out.push(extensionForm(v, reload));
  const handlerBusy = v.concrete_handler && !v.concrete_handler.report;
  if (lead && liaison && v.status === 'accepted' && !handlerBusy) out.push(handlerForm(v, ctx, reload));
  if (lead && liaison && open && !v.reopen_count) out.push(returnForm(v, ctx));
  const ch = v.concrete_handler;
  if (ch && ch.unit_id === u.unit_id && !ch.report && staff && v.status === 'accepted') out.push(handlerReportForm(v, reload));
  const coop = (v.cooperating || []).find((c) => c.unit_id === u.unit_id);
  if (coop && !coop.opinion && staff && open) out.push(opinionForm(v, reload));
  if (a && a.supervisor_id === u.unit_id && liaison && v.extension && v.extension.status === 'pending') out.push(decisionForm(v, reload));
  return out;
}
