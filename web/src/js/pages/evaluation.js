// 考核评价 (#/evaluation): the evaluation of the handling units for a month
// or a year (GET /api/v1/evaluation, M-E-1; formulas in docs/EVALUATION.md):
// per kind of unit, ranked, the score and the eight rates as percentages
// (— without a denominator); a click on a figure lists the tickets behind
// it (GET /api/v1/evaluation/tickets). And the early warnings of a period
// (GET /api/v1/warnings, M-D-1).
import { h, clear, append, field, table } from '../dom.js';
import { get, query } from '../api.js';
import { showError, describe } from '../errors.js';
import { dateTime, UNIT_KIND_LABEL } from '../format.js';

const KIND_ORDER = ['district_government', 'township', 'district_department', 'city_department', 'enterprise'];
const RATES = [
  ['response_rate', '响应率'], ['on_time_rate', '按时办结率'], ['resolution_rate', '解决率'],
  ['satisfaction_rate', '满意率'], ['opinion_on_time_rate', '协办按时率'], ['return_rate', '退单率'],
  ['reopen_rate', '重办率'], ['kb_review_rate', '知识库复核率'],
];
const COUNTS = [['received', '受理'], ['overdue', '超期'], ['supervised', '督办']];
const FIGURE_LABEL = Object.fromEntries([...RATES, ...COUNTS]);

const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const pad = (n) => String(n).padStart(2, '0');

/** The service's date (its clock may be a test clock), else the browser's: "2026-12-02". */
async function today() {
  try {
    const o = await get('/api/v1/overview');
    return o.at.slice(0, 10);
  } catch {
    const d = new Date();
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
}

async function render(root, ctx) {
  const day = await today();
  const month = ctx.params[0] || day.slice(0, 7);
  const period = h('input', { value: month, autocomplete: 'off', placeholder: '如 2026-12 或 2026', size: 10 });
  const kind = h('select', {}, h('option', { value: '' }, '全部单位类型'),
    KIND_ORDER.map((k) => h('option', { value: k }, UNIT_KIND_LABEL[k])));
  const form = h('form', { class: 'card', 'aria-label': '考核期间' },
    h('div', { class: 'row' }, field('考核期间（月或年）', period, { name: 'period' }), field('单位类型', kind, { name: 'kind' }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '查询'))));
  const asOf = h('p', { class: 'hint', id: 'evaluation-asof' });
  const tablesBox = h('div', { id: 'evaluation-tables' });
  const detail = h('section', { class: 'card', id: 'evaluation-detail', 'aria-live': 'polite', hidden: true });

  const wFrom = h('input', { value: `${day.slice(0, 7)}-01`, autocomplete: 'off', placeholder: '如 2026-12-01', size: 12 });
  const wTo = h('input', { value: day, autocomplete: 'off', placeholder: '如 2026-12-31', size: 12 });
  const wForm = h('form', { class: 'row', 'aria-label': '预警期间' },
    field('自', wFrom, { name: 'from' }), field('至', wTo, { name: 'to', hint: '留空为自起始日起的一天' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, '查询预警')));
  const wBox = h('div', { id: 'warnings-list' });

  root.append(h('h1', {}, '考核评价'), form, asOf, detail, tablesBox,
    h('section', { class: 'card', 'aria-labelledby': 'wl-h' }, h('h2', { id: 'wl-h' }, '预警记录（M-D-1）'), wForm, wBox));

  async function showTickets(u, figure) {
    detail.hidden = false;
    append(clear(detail), h('h2', {}, `${u.unit_name} · ${FIGURE_LABEL[figure]}`), h('p', { class: 'loading' }, '加载中…'));
    try {
      const r = await get(`/api/v1/evaluation/tickets${query({ period: period.value.trim(), unit: u.unit_id, figure, limit: 500 })}`);
      const num = new Set(r.numerator || []);
      const isRate = Array.isArray(r.numerator);
      append(clear(detail), 
        h('h2', {}, `${u.unit_name} · ${FIGURE_LABEL[figure]}（${r.total}件）`),
        isRate ? h('p', { class: 'hint' }, `分母为下列工单；标“计入”的为分子（${num.size}件）。`) : null,
        r.tickets.length ? h('ul', { class: 'ticket-list' }, r.tickets.map((no) => h('li', {},
          h('a', { href: `#/ticket/${no}` }, no), isRate && num.has(no) ? [' ', h('span', { class: 'badge ok' }, '计入')] : null)))
          : h('p', { class: 'empty' }, '没有工单'),
        r.next_cursor ? h('p', { class: 'hint' }, '仅显示前500件') : null,
        h('button', { type: 'button', onclick: () => { detail.hidden = true; } }, '关闭'));
      detail.scrollIntoView({ block: 'nearest' });
    } catch (e) {
      append(clear(detail), h('p', { class: 'form-error', role: 'alert' }, describe(e)));
    }
  }

  const figure = (u, key, text) => h('button', { type: 'button', class: 'link', dataset: { figure: key, unit: u.unit_id },
    title: `查看${u.unit_name}${FIGURE_LABEL[key]}所涉工单`, onclick: () => showTickets(u, key) }, text);

  async function load() {
    append(clear(tablesBox), h('p', { class: 'loading' }, '加载中…'));
    detail.hidden = true;
    try {
      const r = await get(`/api/v1/evaluation${query({ period: period.value.trim(), kind: kind.value })}`);
      asOf.textContent = `期间 ${r.from_month} 至 ${r.to_month}，数据截至 ${dateTime(r.as_of)}。排名在同类单位中计算；受理量不足的单位不参与排名。`;
      const kinds = [...KIND_ORDER, ...new Set(r.units.map((u) => u.kind))].filter((k, i, a) => a.indexOf(k) === i);
      clear(tablesBox);
      for (const k of kinds) {
        const rows = r.units.filter((u) => u.kind === k);
        if (!rows.length) continue;
        tablesBox.append(h('section', { class: 'card evaluation-kind', dataset: { kind: k } },
          h('h2', {}, `${UNIT_KIND_LABEL[k] || k}（${rows.length}个单位）`),
          h('div', { class: 'table-scroll' }, table([
            ['排名', (u) => (u.rank === null ? '—' : String(u.rank))],
            ['单位', (u) => u.unit_name],
            ['得分', (u) => (u.score === null ? '—' : h('b', {}, u.score.toFixed(2)))],
            ...COUNTS.map(([key, t]) => [t, (u) => figure(u, key, String(u[key] ?? 0))]),
            ...RATES.map(([key, t]) => [t, (u) => (u[key] === null ? '—' : figure(u, key, pct(u[key])))]),
          ], rows))));
      }
      if (!tablesBox.firstChild) tablesBox.append(h('p', { class: 'card empty' }, '该期间没有考核数据'));
    } catch (e) {
      clear(tablesBox);
      showError(form, e);
    }
  }

  async function loadWarnings() {
    clear(wBox);
    const from = wFrom.value;
    const to = wTo.value || from;
    try {
      const r = await get(`/api/v1/warnings${query({ from, to, limit: 500 })}`);
      wBox.append(table([
        ['时间', (w) => dateTime(w.at)],
        ['类型', (w) => h('span', { class: 'badge warn' }, w.label || w.kind)],
        ['区县/单位', (w) => w.district_name || w.unit_name || w.unit_id || '—'],
        ['依据', (w) => w.reason || '—'],
      ], r.warnings, { empty: '该期间没有预警' }));
    } catch (e) { showError(wForm, e); }
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  wForm.addEventListener('submit', (ev) => { ev.preventDefault(); loadWarnings(); });
  await Promise.all([load(), loadWarnings()]);
  return undefined;
}

export default {
  id: 'evaluation',
  title: '考核评价',
  visible: (u) => !!u && u.office && u.roles.includes('supervisor'),
  render,
};
