// 下属单位 (#/subordinates): for a liaison of a district government (a unit
// others answer to, M-RT-1) — each subordinate's open, overdue, supervised
// and due-today tickets (docs/API.md §2.4a), and the extensions waiting for
// this unit's decision (inbox status=awaiting_decision, §2.4) with approve
// or refuse and a note (§2.7b, M-DL-5).
import { h, clear, table } from '../dom.js';
import { get, query } from '../api.js';
import { describe } from '../errors.js';
import { lastDay } from '../format.js';
import { is } from '../roles.js';
import { subscribe, coalesce, showState } from '../live.js';
import { decisionForm } from '../actions/unit.js';

// Which units others answer to: the district governments of the directory
// (public, GET /api/v1/units). Asked once when the console loads, so that
// the navigation knows whether to show this page (at most 3 s; if it fails,
// every liaison sees the page, which then says the unit has no subordinates).
let parents = null;
await Promise.race([
  get(`/api/v1/units${query({ kind: 'district_government' })}`, { anonymous: true })
    .then((r) => { parents = new Set(r.units.map((u) => u.id)); })
    .catch(() => {}),
  new Promise((ok) => setTimeout(ok, 3000)),
]);

function countCell(n, kind) {
  return n ? h('span', { class: `badge ${kind}` }, String(n)) : '0';
}

async function render(root, ctx) {
  const unit = ctx.user.unit_id;
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const totals = h('div', { class: 'stats' });
  const subs = h('section', { class: 'card scroll-x', 'aria-labelledby': 'subs-h' });
  const pending = h('section', { class: 'card', 'aria-labelledby': 'pend-h', id: 'pending-extensions' });
  const live = h('span', { class: 'live', role: 'status' }, '');
  root.append(h('div', { class: 'row', style: 'align-items: baseline; justify-content: space-between' },
    h('h1', {}, `下属单位 · ${ctx.user.unit_name}`), live), error, totals,
  h('div', { class: 'cols' }, subs, pending));

  async function loadOverview() {
    const o = await get(`/api/v1/units/${encodeURIComponent(unit)}/overview`);
    const t = o.subordinates_total || {};
    clear(totals).append(...[['open', '下属单位待办'], ['overdue', '已超期'], ['due_today', '今日到期'], ['supervised', '督办中']]
      .map(([k, text]) => h('div', { class: 'stat' }, h('b', {}, String(t[k] ?? 0)), h('span', {}, text))));
    const rows = (o.subordinates || []).slice().sort((a, b) => (b.overdue - a.overdue) || (b.open - a.open));
    clear(subs).append(h('h2', { id: 'subs-h' }, '各下属单位办理情况'),
      table([
        ['单位', (r) => r.unit_name || r.unit_id],
        ['待办', (r) => String(r.open ?? 0)],
        ['已超期', (r) => countCell(r.overdue, 'bad')],
        ['今日到期', (r) => countCell(r.due_today, 'warn')],
        ['督办中', (r) => countCell(r.supervised, 'bad')],
      ], rows, { empty: '本单位没有下属单位' }));
  }

  async function loadPending() {
    const page = await get(`/api/v1/units/${encodeURIComponent(unit)}/inbox${query({ status: 'awaiting_decision', limit: 100 })}`);
    const views = await Promise.all(page.tickets.map((t) => get(`/api/v1/tickets/${encodeURIComponent(t.ticket_no)}`)));
    clear(pending).append(h('h2', { id: 'pend-h' }, `待审批的延期申请（${views.length}）`),
      ...(views.length ? views.map((v) => h('article', { class: 'card', dataset: { ticket: v.ticket_no } },
        h('h3', {}, h('a', { href: `#/ticket/${v.ticket_no}` }, v.ticket_no), ' ', v.category ? v.category.name : ''),
        h('p', { class: 'hint' }, `现最后办理日 ${v.deadline_date || '—'}，申请延至 ${lastDay(v.extension.new_deadline)}；办理进展：${v.extension.progress || '—'}`),
        decisionForm(v, () => load(), { id: `decision-${v.ticket_no}` })))
        : [h('p', { class: 'empty' }, '没有待审批的延期申请')]));
  }

  async function load() {
    try {
      await Promise.all([loadOverview(), loadPending()]);
      error.hidden = true;
    } catch (e) {
      error.textContent = `加载失败：${describe(e)}`;
      error.hidden = false;
    }
  }

  // A request or a decision elsewhere shows here without a reload.
  const soon = coalesce(load, 250);
  const stop = subscribe(`/api/v1/units/${encodeURIComponent(unit)}/events`, soon, { onState: showState(live) });
  await load();
  return () => { stop(); soon.cancel(); };
}

export default {
  id: 'subordinates',
  title: '下属单位',
  visible: (u) => is.liaison(u) && (!parents || parents.has(u.unit_id)),
  render,
};
