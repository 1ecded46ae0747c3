// 协调派单 (#/coordination): the office's queue of tickets waiting for a
// lead (GET /api/v1/coordination — unclear territory M-RT-2, returns
// M-RT-4, the reopen limit M-SV-2), each with its reasons, its returns and
// the proposal from past designations (advice only); designation of a lead
// and cooperating units found by name (actions/office.js); escalation of
// any ticket by number (M-SV-1); the returns counted per unit.
import { h, clear, append, field, table } from '../dom.js';
import { get } from '../api.js';
import { describe, showError, clearErrors } from '../errors.js';
import { dateTime, label, KIND_LABEL } from '../format.js';
import { designationForm, escalationForm } from '../actions/office.js';
import { subscribe, coalesce } from '../live.js';

function reasonsList(list) {
  if (!list || !list.length) return null;
  return h('ul', { class: 'reasons' }, list.map((r) => h('li', {}, h('span', { class: 'badge' }, r.rule), ' ', r.text)));
}

function queueItem(v, reload) {
  const slot = h('div');
  const open = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false' }, '指定承办单位');
  open.addEventListener('click', () => {
    if (slot.firstChild) { clear(slot); open.setAttribute('aria-expanded', 'false'); return; }
    slot.append(designationForm(v, reload));
    open.setAttribute('aria-expanded', 'true');
    slot.querySelector('input').focus();
  });
  const returns = v.returns || [];
  return h('article', { class: 'card', dataset: { ticket: v.ticket_no }, 'aria-labelledby': `q-${v.ticket_no}` },
    h('h2', { id: `q-${v.ticket_no}` }, h('a', { href: `#/ticket/${v.ticket_no}` }, v.ticket_no), ' ',
      h('span', { class: 'badge warn' }, label(v, 'status')), ' ',
      returns.length ? h('span', { class: 'badge bad' }, `退单${returns.length}次`) : null),
    h('dl', { class: 'facts' },
      h('dt', {}, '诉求'), h('dd', {}, `${label(v, 'kind', KIND_LABEL)} · ${v.category ? v.category.name : '—'}`),
      h('dt', {}, '内容'), h('dd', {}, v.content || '—'),
      h('dt', {}, '地址'), h('dd', {}, (v.location && v.location.address) || '—'),
      h('dt', {}, '登记时间'), h('dd', {}, dateTime(v.submitted_at))),
    h('h3', {}, '转协调原因'),
    reasonsList(v.coordination && v.coordination.reasons) || h('p', { class: 'empty' }, '—'),
    returns.length ? [h('h3', {}, '退单记录（M-RT-4）'), h('ul', {}, returns.map((r) =>
      h('li', {}, `${r.unit_name || r.unit_id}，${dateTime(r.at)}：${r.reason}`)))] : null,
    v.proposal ? h('p', { class: 'hint' }, '参考：', v.proposal.unit_name, `（${v.proposal.support}次）`) : null,
    h('div', { class: 'actions' }, open),
    slot);
}

async function render(root, ctx) {
  const queueBox = h('div', { id: 'coordination-queue', 'aria-live': 'polite' });
  const returnsBox = h('div', { id: 'returns' });
  const count = h('span', { class: 'badge', id: 'queue-count' });
  const escNo = h('input', { autocomplete: 'off', placeholder: '如 20261202-000001', inputmode: 'numeric' });
  const escBox = h('div');
  const escFind = h('form', { class: 'row', 'aria-label': '按编号督办工单' },
    field('工单编号', escNo, { name: 'ticket_no' }), h('div', { class: 'actions' }, h('button', { type: 'submit' }, '查找')));
  escFind.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const no = escNo.value.trim();
    clear(escBox);
    clearErrors(escFind);
    if (!no) return;
    try {
      const v = await get(`/api/v1/tickets/${encodeURIComponent(no)}`);
      escBox.append(h('p', {}, h('a', { href: `#/ticket/${v.ticket_no}` }, v.ticket_no), ' ', label(v, 'status'), ' · ',
        v.assignment ? v.assignment.unit_name : '待协调', ' · ', v.content || ''),
      v.status === 'closed' ? h('p', { class: 'empty' }, '工单已办结，不能督办') : escalationForm(v, () => { clear(escBox); escNo.value = ''; }));
    } catch (e) { showError(escFind, e); }
  });

  root.append(
    h('h1', {}, '协调派单 ', count),
    h('p', { class: 'hint' }, '属地不明、被退单或重办次数超限的工单在此等待热线指定主办单位和协办单位（M-RT-2、M-RT-4）。'),
    h('div', { class: 'cols' },
      queueBox,
      h('div', {},
        h('section', { class: 'card', 'aria-labelledby': 'ret-h' }, h('h2', { id: 'ret-h' }, '各单位退单数（M-RT-4）'), returnsBox),
        h('section', { class: 'card', 'aria-labelledby': 'esc-h' }, h('h2', { id: 'esc-h' }, '督办工单（M-SV-1）'), escFind, escBox))));

  async function load(force = false) {
    try {
      const [{ tickets }, { returns }] = await Promise.all([get('/api/v1/coordination'), get('/api/v1/returns')]);
      count.textContent = `${tickets.length}件待协调`;
      // keep an open designation form open across a live refresh
      const busy = !force && queueBox.querySelector('form') && queueBox.contains(document.activeElement);
      if (!busy) {
        append(clear(queueBox), tickets.length ? tickets.map((v) => queueItem(v, () => load(true)))
          : h('p', { class: 'card empty' }, '当前没有待协调的工单'));
      }
      append(clear(returnsBox), table([
        ['单位', (r) => r.unit_name || r.unit_id], ['退单数', (r) => String(r.returns)],
      ], [...returns].sort((a, b) => b.returns - a.returns), { empty: '暂无退单' }));
    } catch (e) {
      append(clear(queueBox), h('p', { class: 'form-error', role: 'alert' }, describe(e)));
    }
  }
  await load();
  const soon = coalesce(load, 400);
  const stop = subscribe('/api/v1/office/events', (name) => {
    if (['coordination_needed', 'returned', 'designated'].includes(name)) soon();
  });
  return () => { stop(); soon.cancel(); };
}

export default {
  id: 'coordination',
  title: '协调派单',
  visible: (u) => !!u && u.office && u.roles.includes('supervisor'),
  render,
};
