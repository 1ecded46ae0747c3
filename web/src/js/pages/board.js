// 全市看板 (#/board): the office's live picture of the city (M-D-1) — open
// tickets by status, district, kind of unit and unit, due today, overdue,
// supervised, the last hour's intake against the same hour of previous
// weeks (GET /api/v1/overview), the map of Chongqing shaded by open (or
// overdue) tickets per district, and the recent early warnings
// (GET /api/v1/warnings). Live: every step pushed on /api/v1/office/events
// re-reads the overview (debounced), and so does a 5 s timer (dispatches to
// units are not pushed to the office); a pushed `warning` is added at once.
import { h, clear, append, table } from '../dom.js';
import { get } from '../api.js';
import { describe } from '../errors.js';
import { dateTime, STATUS_LABEL, UNIT_KIND_LABEL } from '../format.js';
import { subscribe, coalesce, showState } from '../live.js';
import { chongqingMap, chart } from '../map.js';

const POLL_MS = 5000;
const STATUS_ORDER = ['coordinating', 'dispatched', 'accepted', 'replied', 'called_back'];

function tile(id, value, text, cls = '') {
  return h('div', { class: `stat ${cls}`, dataset: { stat: id } }, h('b', {}, String(value ?? '—')), h('span', {}, text));
}

function ratioText(intake) {
  if (!intake) return '—';
  const mean = Number(intake.previous_weeks_mean || 0).toFixed(1);
  const r = intake.ratio === null || intake.ratio === undefined ? '无基线' : `${Number(intake.ratio).toFixed(1)}倍`;
  return `前${intake.weeks}周同时段均值 ${mean} 件（${r}）`;
}

/**
 * Overdue tickets per district: the overview counts them for the whole
 * city only, so each district government's unit overview (§2.4a) gives its
 * district's, from its streets and departments — supervisors only.
 */
async function overdueByDistrict(districts) {
  const rows = await Promise.all(districts.map(async (d) => {
    try {
      const o = await get(`/api/v1/units/${encodeURIComponent(d.code)}/overview`);
      // its streets' and departments' (its own counts include the tickets it supervises: not added again)
      return [d.code, o.subordinates_total ? o.subordinates_total.overdue || 0 : 0];
    } catch { return [d.code, null]; }
  }));
  return Object.fromEntries(rows);
}

async function render(root, ctx) {
  const liveBadge = h('span', { class: 'live', id: 'board-live', role: 'status' }, '连接中…');
  const updated = h('span', { class: 'hint', id: 'board-updated' });
  const tiles = h('div', { class: 'stats', id: 'board-stats', 'aria-live': 'polite' });
  const mode = { value: 'open' };
  const modeButtons = [['open', '在办工单'], ['overdue', '超期工单']]
    .filter(([m]) => m === 'open' || ctx.is.supervisor(ctx.user))
    .map(([m, text]) => h('button', { type: 'button', 'aria-pressed': String(m === 'open'), dataset: { mode: m },
      onclick: () => { mode.value = m; modeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === m))); drawMap(); } }, text));
  const mapBox = h('div', { class: 'chart', id: 'board-map', role: 'img', 'aria-label': '重庆市各区县工单分布地图' });
  const districtBox = h('div', { id: 'board-districts', class: 'table-scroll' });
  const statusBox = h('div', { id: 'board-status', class: 'table-scroll' });
  const kindBox = h('div', { id: 'board-kinds', class: 'table-scroll' });
  const unitBox = h('div', { id: 'board-units', class: 'table-scroll' });
  const warnBox = h('div', { id: 'board-warnings', class: 'table-scroll' });
  const errBox = h('div');

  root.append(
    h('h1', {}, '全市实时看板 ', liveBadge),
    h('p', {}, updated),
    errBox,
    tiles,
    h('div', { class: 'cols', style: 'margin-top:16px' },
      h('section', { class: 'card', 'aria-labelledby': 'map-h' },
        h('h2', { id: 'map-h' }, '各区县分布'),
        h('div', { class: 'actions', role: 'group', 'aria-label': '地图着色依据' }, modeButtons),
        mapBox),
      h('section', { class: 'card', 'aria-labelledby': 'dist-h' }, h('h2', { id: 'dist-h' }, '按区县（主办单位所在区县）'), districtBox)),
    h('div', { class: 'cols3' },
      h('section', { class: 'card', 'aria-labelledby': 'st-h' }, h('h2', { id: 'st-h' }, '按状态'), statusBox),
      h('section', { class: 'card', 'aria-labelledby': 'kd-h' }, h('h2', { id: 'kd-h' }, '按单位类型'), kindBox),
      h('section', { class: 'card', 'aria-labelledby': 'un-h' }, h('h2', { id: 'un-h' }, '在办最多的单位'), unitBox)),
    h('section', { class: 'card', 'aria-labelledby': 'wn-h' }, h('h2', { id: 'wn-h' }, '预警（近24小时，M-D-1）'), warnBox));

  let ov = null;
  let overdue = null;
  let warnings = [];
  let map = null;
  let geo = null;

  function drawMap() {
    if (!map || !geo || !ov) return;
    const byCode = Object.fromEntries((ov.by_district || []).map((d) => [d.district, d.open]));
    const useOverdue = mode.value === 'overdue';
    if (useOverdue && !overdue) { refreshOverdue(); return; }
    const data = geo.features.map((f) => ({
      name: f.properties.name, code: f.properties.code,
      value: useOverdue ? (overdue[f.properties.code] ?? 0) : (byCode[f.properties.code] || 0),
    }));
    const max = Math.max(1, ...data.map((d) => d.value));
    const what = useOverdue ? '超期' : '在办';
    mapBox.dataset.mode = mode.value;
    mapBox.dataset.values = JSON.stringify(Object.fromEntries(data.filter((d) => d.value).map((d) => [d.code, d.value])));
    mapBox.setAttribute('aria-label', `重庆市各区县${what}工单分布地图：` +
      (data.filter((d) => d.value).map((d) => `${d.name}${d.value}件`).join('，') || '暂无'));
    map.setOption({
      tooltip: { trigger: 'item', formatter: (p) => `${p.name}<br/>${what}工单：${p.value || 0} 件` },
      visualMap: { min: 0, max, left: 'left', bottom: 10, text: [`${max}件`, '0'], calculable: true,
        inRange: { color: useOverdue ? ['#fff5f0', '#fc9272', '#a50f15'] : ['#f0f6ff', '#6baed6', '#08519c'] } },
      series: [{ id: 'districts', type: 'map', map: 'chongqing', roam: true, name: `${what}工单`,
        layoutCenter: ['55%', '50%'], layoutSize: '95%',
        label: { show: false }, emphasis: { label: { show: true } }, data }],
    }, { replaceMerge: ['series'] });
  }

  async function refreshOverdue() {
    if (!geo) return;
    overdue = await overdueByDistrict(geo.features.map((f) => ({ code: f.properties.code })));
    if (mode.value === 'overdue') drawMap();
  }

  function drawWarnings() {
    append(clear(warnBox), table([
      ['时间', (w) => dateTime(w.at)],
      ['类型', (w) => h('span', { class: 'badge warn' }, w.label || w.kind)],
      ['区县/单位', (w) => w.district_name || w.unit_name || w.unit_id || '—'],
      ['依据', (w) => w.reason || '—'],
    ], [...warnings].reverse(), { empty: '近24小时没有预警' }));
  }

  function draw() {
    const intake = ov.intake || {};
    updated.textContent = `数据时间 ${dateTime(ov.at)}（有推送时即时刷新，并每${POLL_MS / 1000}秒刷新）`;
    append(clear(tiles), 
      tile('open', ov.open, '在办工单'),
      tile('due_today', ov.due_today, '今日到期', ov.due_today ? 'warn' : ''),
      tile('overdue', ov.overdue, '已超期', ov.overdue ? 'bad' : ''),
      tile('supervised', ov.supervised, '督办中'),
      tile('coordinating', (ov.by_status || {}).coordinating || 0, '待协调'),
      h('div', { class: 'stat', dataset: { stat: 'intake' } },
        h('b', {}, String(intake.last_hour ? intake.last_hour.count : '—')),
        h('span', {}, `上一小时受理（本小时已${intake.this_hour_so_far ?? 0}件）`), h('br'),
        h('span', {}, ratioText(intake))));
    append(clear(districtBox), table([
      ['区县', (d) => d.name || d.district], ['在办', (d) => String(d.open)],
    ], ov.by_district || [], { empty: '暂无在办工单' }));
    const st = ov.by_status || {};
    const stRows = [...STATUS_ORDER.filter((s) => st[s]), ...Object.keys(st).filter((s) => !STATUS_ORDER.includes(s))]
      .map((s) => ({ s, n: st[s] }));
    append(clear(statusBox), table([['状态', (r) => STATUS_LABEL[r.s] || r.s], ['件数', (r) => String(r.n)]], stRows));
    const kd = Object.entries(ov.by_unit_kind || {}).sort((a, b) => b[1] - a[1]);
    append(clear(kindBox), table([['单位类型', ([k]) => UNIT_KIND_LABEL[k] || k], ['件数', ([, n]) => String(n)]], kd));
    append(clear(unitBox), table([
      ['单位', (u) => u.name || u.unit_id], ['类型', (u) => UNIT_KIND_LABEL[u.kind] || u.kind || '—'], ['在办', (u) => String(u.open)],
    ], (ov.by_unit || []).slice(0, 10)));
    drawMap();
  }

  async function load() {
    try {
      const [o, w] = await Promise.all([get('/api/v1/overview'), get('/api/v1/warnings?limit=50')]);
      ov = o;
      warnings = w.warnings || [];
      clear(errBox);
      draw();
      drawWarnings();
      if (mode.value === 'overdue' || overdue) await refreshOverdue();
    } catch (e) {
      append(clear(errBox), h('p', { class: 'form-error', role: 'alert' }, describe(e)));
    }
  }

  await load();
  chongqingMap().then((g) => {
    geo = g;
    map = chart(mapBox);
    drawMap();
  }).catch((e) => append(clear(mapBox), h('p', { class: 'form-error' }, `地图加载失败：${e.message}`)));

  // The office's stream carries the steps that concern the office (returns,
  // answers to call back, escalations, warnings…), not every dispatch to a
  // unit (§2.4b): so the board also re-reads the overview (one Redis read)
  // every POLL_MS, and at once when a step is pushed.
  const soon = coalesce(() => { overdue = null; load(); }, 400);
  const poll = setInterval(() => { if (!document.hidden) soon(); }, POLL_MS);
  const stop = subscribe('/api/v1/office/events', (name, data) => {
    if (name === 'warning') { warnings.push(data); drawWarnings(); return; }
    soon();
  }, { onState: showState(liveBadge) });
  return () => { stop(); clearInterval(poll); soon.cancel(); if (map) map.__hotlineStop(); };
}

export default {
  id: 'board',
  title: '全市看板',
  visible: (u) => !!u && (u.office && (u.roles.includes('operator') || u.roles.includes('supervisor'))),
  render,
};
