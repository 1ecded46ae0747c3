// 待办工单: the unit's worklist (issue 15 item 4, docs/API.md §2.4), its
// counts as filters, paging by next_cursor, and live: every step pushed on
// the unit's stream (§2.4b) refreshes the list and counts, a ticket handed
// to the unit is highlighted (M-D-2).
import { h, clear, table } from '../dom.js';
import { get, query } from '../api.js';
import { describe } from '../errors.js';
import { STATUS_LABEL, date } from '../format.js';
import { subscribe, coalesce, showState } from '../live.js';
import { is } from '../roles.js';

// Events that hand a ticket to the unit (a new line in its worklist).
const ARRIVALS = new Set(['dispatched', 'designated', 'reopened', 'handler_named', 'extension_requested']);

const FILTERS = [
  ['', 'open', '全部待办'],
  ['overdue', 'overdue', '已超期'],
  ['due_today', 'due_today', '今日到期'],
  ['supervised', 'supervised', '督办中'],
  ['awaiting_decision', 'awaiting_decision', '待审批延期'],
];

const PAGE = 20; // lines per page; 加载更多 follows next_cursor

const SUPERVISION_LABEL = { reminder: '催办', supervision: '督办', notice: '通报', office: '热线督办' };

/** The badges of a worklist line: overdue, due today, supervised, extension pending. */
export function badges(t) {
  return [
    t.overdue ? h('span', { class: 'badge bad' }, '已超期') : null,
    t.due_today ? h('span', { class: 'badge warn' }, '今日到期') : null,
    t.supervision ? h('span', { class: 'badge bad' }, SUPERVISION_LABEL[t.supervision] || '督办') : null,
    t.extension_pending ? h('span', { class: 'badge warn' }, '延期待审批') : null,
  ].filter(Boolean).flatMap((b, i) => (i ? [' ', b] : [b]));
}

async function render(root, ctx) {
  const unit = ctx.user.unit_id;
  let filter = ctx.params[0] || '';
  let rows = [];
  let cursor = null;
  const fresh = new Set();

  const live = h('span', { class: 'live', role: 'status', 'aria-live': 'polite' }, '正在连接…');
  const title = h('h1', {}, `待办工单 · ${ctx.user.unit_name}`);
  const counts = h('div', { class: 'stats', role: 'group', 'aria-label': '按类别筛选' });
  const list = h('div', { class: 'card scroll-x' });
  const more = h('button', { type: 'button', hidden: true }, '加载更多');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  root.append(h('div', { class: 'row', style: 'align-items: baseline; justify-content: space-between' }, title, live),
    error, counts, list, h('div', { class: 'actions' }, more));

  function stat(value, n, text) {
    return h('button', {
      type: 'button', class: 'stat', 'aria-pressed': String(filter === value), dataset: { filter: value || 'all' },
      onclick: () => { filter = value; load(); },
    }, h('b', {}, String(n ?? 0)), h('span', {}, text));
  }

  function showCounts(c) {
    const byStatus = Object.entries(c.by_status || {})
      .map(([s, n]) => stat(s, n, STATUS_LABEL[s] || s));
    // Keep the keyboard where it was: the buttons are rebuilt on every refresh.
    const had = counts.contains(document.activeElement) ? document.activeElement.dataset.filter : null;
    clear(counts).append(...FILTERS.map(([value, key, text]) => stat(value, c[key], text)), ...byStatus);
    if (had) counts.querySelector(`[data-filter="${CSS.escape(had)}"]`)?.focus();
  }

  function showRows() {
    const t = table([
      ['工单编号', (r) => h('a', { href: `#/ticket/${r.ticket_no}` }, r.ticket_no)],
      ['诉求类别', (r) => r.category?.name || r.category?.code || '—'],
      ['本单位角色', (r) => r.role_label || r.role],
      ['状态', (r) => r.status_label || STATUS_LABEL[r.status] || r.status],
      ['最后办理日', (r) => (r.deadline_date ? date(r.deadline_date) : '—')],
      ['提示', (r) => [fresh.has(r.ticket_no) ? h('span', { class: 'badge ok' }, '新到') : null, ' ', badges(r)]],
    ], rows, { empty: filter ? '没有符合条件的工单' : '暂无待办工单', caption: `共 ${rows.length} 条${cursor ? '（还有更多）' : ''}` });
    if (t.tagName === 'TABLE') {
      t.querySelectorAll('tbody tr').forEach((tr, i) => {
        tr.dataset.ticket = rows[i].ticket_no;
        if (fresh.has(rows[i].ticket_no)) tr.classList.add('fresh');
      });
    }
    clear(list).append(t);
    more.hidden = !cursor;
  }

  let seq = 0;
  // append: the next page; refresh: the lines shown again (a pushed step
  // must not fold away the pages already loaded); else the first page.
  async function load({ append = false, refresh = false } = {}) {
    const mine = ++seq;
    const limit = refresh ? Math.min(500, Math.max(PAGE, rows.length)) : PAGE;
    try {
      const page = await get(`/api/v1/units/${encodeURIComponent(unit)}/inbox${query({
        status: filter, limit, cursor: append ? cursor : '',
      })}`);
      if (mine !== seq) return; // a newer load is under way
      error.hidden = true;
      rows = append ? rows.concat(page.tickets) : page.tickets;
      cursor = page.next_cursor;
      showCounts(page.counts);
      showRows();
    } catch (e) {
      if (mine !== seq) return;
      error.textContent = `待办工单加载失败：${describe(e)}`;
      error.hidden = false;
    }
  }
  more.addEventListener('click', () => load({ append: true }));

  const soon = coalesce(() => load({ refresh: true }), 250);
  const stop = subscribe(`/api/v1/units/${encodeURIComponent(unit)}/events`, (name, data) => {
    if (ARRIVALS.has(name) && data.ticket_no) fresh.add(data.ticket_no);
    soon();
  }, {
    // Nothing missed while the stream was down.
    onState: showState(live, (s) => { if (s === 'live') load({ refresh: true }); }),
  });

  await load();
  return () => { stop(); soon.cancel(); };
}

export default {
  id: 'inbox',
  title: '待办工单',
  visible: (u) => is.unitStaff(u),
  render,
};
