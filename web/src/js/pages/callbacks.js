// 回访与审批 (#/callbacks): the answered tickets the office calls back
// (its inbox, role `callback`, M-SV-2), each with the unit's answer, the
// audited reveal of the caller's contact (M-D-3, only after a click) and
// the callback entry; and the extensions the office decides, for the city
// departments and enterprises it is one level above (M-DL-5).
import { h, clear, append } from '../dom.js';
import { get, query } from '../api.js';
import { describe } from '../errors.js';
import { dateTime, deadline, label, KIND_LABEL } from '../format.js';
import { revealBlock, callbackForm, decisionForm, officeDecides } from '../actions/office.js';
import { subscribe, coalesce } from '../live.js';

const enc = encodeURIComponent;

/** The staff views of the office inbox's tickets of one status and role. */
async function views(unitId, status, role) {
  const inbox = await get(`/api/v1/units/${enc(unitId)}/inbox${query({ status, limit: 100 })}`);
  const nos = inbox.tickets.filter((t) => !role || t.role === role).map((t) => t.ticket_no);
  return { total: inbox.tickets.length, list: await Promise.all(nos.map((no) => get(`/api/v1/tickets/${enc(no)}`))) };
}

function summary(v) {
  return h('dl', { class: 'facts' },
    h('dt', {}, '诉求'), h('dd', {}, `${label(v, 'kind', KIND_LABEL)} · ${v.category ? v.category.name : '—'}`),
    h('dt', {}, '内容'), h('dd', {}, v.content || '—'),
    h('dt', {}, '来电人'), h('dd', {}, v.caller ? `${v.caller.name || '—'}　${v.caller.phone || ''}` : '—'),
    h('dt', {}, '承办单位'), h('dd', {}, v.assignment ? v.assignment.unit_name : '—'),
    v.reopen_count ? [h('dt', {}, '重办次数'), h('dd', {}, String(v.reopen_count))] : null);
}

function callbackCard(v, reload) {
  return h('article', { class: 'card', dataset: { ticket: v.ticket_no }, 'aria-labelledby': `cb-h-${v.ticket_no}` },
    h('h2', { id: `cb-h-${v.ticket_no}` }, h('a', { href: `#/ticket/${v.ticket_no}` }, v.ticket_no), ' ',
      h('span', { class: 'badge' }, label(v, 'status'))),
    h('div', { class: 'cols' },
      h('div', {}, summary(v),
        h('h3', {}, '承办单位答复'),
        v.answer ? [h('p', { class: 'answer' }, v.answer.text), h('p', { class: 'hint' }, `答复时间 ${dateTime(v.answer.at)}`)]
          : h('p', { class: 'empty' }, '—')),
      h('div', {}, revealBlock(v, 'callback'), callbackForm(v, reload))));
}

function decisionCard(v, user, reload) {
  return h('article', { class: 'card', dataset: { ticket: v.ticket_no }, 'aria-labelledby': `dc-h-${v.ticket_no}` },
    h('h2', { id: `dc-h-${v.ticket_no}` }, h('a', { href: `#/ticket/${v.ticket_no}` }, v.ticket_no), ' ',
      h('span', { class: 'badge warn' }, '延期待审批')),
    h('div', { class: 'cols' },
      h('div', {}, summary(v), h('p', {}, h('b', {}, '当前最后办理日：'), deadline(v))),
      officeDecides(v, user) ? decisionForm(v, reload) : h('p', { class: 'empty' }, '此延期不由热线审批')));
}

async function render(root, ctx) {
  const cbBox = h('div', { id: 'callback-list', 'aria-live': 'polite' });
  const dcBox = h('div', { id: 'decision-list' });
  const cbCount = h('span', { class: 'badge', id: 'callback-count' });
  const dcCount = h('span', { class: 'badge', id: 'decision-count' });
  root.append(
    h('h1', {}, '回访与延期审批'),
    h('section', { 'aria-labelledby': 'cbs-h' }, h('h2', { id: 'cbs-h' }, '待回访 ', cbCount),
      h('p', { class: 'hint' }, '承办单位已答复的工单。回访时如需联系来电人，点击“查看来电人联系方式”，每次查看均记入审计日志。'), cbBox),
    h('section', { 'aria-labelledby': 'dcs-h' }, h('h2', { id: 'dcs-h' }, '延期待审批（市级部门、企事业单位） ', dcCount), dcBox));

  async function load(force = false) {
    const busy = root.contains(document.activeElement) && document.activeElement.closest('form, .reveal, .office-action');
    if (busy && !force) return; // do not redraw under the person typing; the next event or their submit redraws
    try {
      const [cb, dc] = await Promise.all([
        views(ctx.user.unit_id, 'replied', 'callback'),
        views(ctx.user.unit_id, 'awaiting_decision', null)]);
      cbCount.textContent = `${cb.list.length}件`;
      dcCount.textContent = `${dc.list.length}件`;
      append(clear(cbBox), cb.list.length ? cb.list.map((v) => callbackCard(v, () => load(true))) : h('p', { class: 'card empty' }, '当前没有待回访的工单'));
      append(clear(dcBox), dc.list.length ? dc.list.map((v) => decisionCard(v, ctx.user, () => load(true))) : h('p', { class: 'card empty' }, '当前没有待热线审批的延期申请'));
    } catch (e) {
      append(clear(cbBox), h('p', { class: 'form-error', role: 'alert' }, describe(e)));
    }
  }
  await load();
  const soon = coalesce(load, 400);
  const stop = subscribe('/api/v1/office/events', (name) => {
    if (['replied', 'callback', 'closed', 'reopened', 'extension_requested', 'extension_decided'].includes(name)) soon();
  });
  return () => { stop(); soon.cancel(); };
}

export default {
  id: 'callbacks',
  title: '回访审批',
  visible: (u) => !!u && u.office && u.roles.includes('supervisor'),
  render,
};
