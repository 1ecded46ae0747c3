// 受理: the operator registers a demand while the caller is on the line
// (M-R-1), sees before saving where it would go and why (M-RT-1/2, the
// deadline by M-DL-1..3, a repeat by M-S-2), and disposes of it at once or
// as a ticket (M-C-1). Keyboard first: Tab through the form, Ctrl+Enter saves.
import { h, clear, append, field, select, notice, marked } from '../dom.js';
import { get, post, requestId, query } from '../api.js';
import { showError, clearErrors, describe } from '../errors.js';
import { KINDS, CHANNELS, deadline, endOfDay } from '../format.js';
import { chongqingMap, chart } from '../map.js';

/**
 * The deadline typed by the operator (M-DL-3): "2026-12-21" is the last
 * working day (due at the start of the next day, as the API's deadline),
 * "2026-12-21 18:00" an instant, both in China Standard Time; '' if empty,
 * the text itself if malformed (the API then names the field).
 */
function deadlineOf(text) {
  const t = text.trim();
  if (!t) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return endOfDay(t);
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec(t);
  return m ? `${m[1]}T${m[2]}:00+08:00` : t;
}

const DISPOSALS = [
  ['ticket', '派发工单'], ['direct_answer', '直接答复'], ['call_transfer', '转接'],
  ['three_way_call', '三方通话'], ['refusal', '不予受理'],
];

function placementView(p) {
  if (p.assignment) {
    const a = p.assignment;
    return [
      h('p', {}, h('b', {}, '承办单位：'), a.unit_name, '（督办：', a.supervisor_name || '—', '）',
        a.confidence && a.confidence.level === 'low' ? h('span', { class: 'badge warn' }, '属地置信度低') : null),
      h('p', {}, h('b', {}, '办理时限：'), deadline(p), `，${p.limit_working_days || ''}个工作日（${p.deadline_rule}）`),
      h('ul', { class: 'reasons' }, a.reasons.map((r) => h('li', {}, h('code', {}, r.rule), ' ', r.text))),
    ];
  }
  if (p.coordination) {
    return [h('p', {}, h('b', {}, '转热线协调（M-RT-2）')),
      h('ul', { class: 'reasons' }, p.coordination.reasons.map((r) => h('li', {}, h('code', {}, r.rule), ' ', r.text)))];
  }
  return [];
}

async function render(root) {
  const [{ categories }, { refusal_rules: rules }] = await Promise.all([
    get('/api/v1/categories'), get('/api/v1/refusal-rules')]);
  const byCode = Object.fromEntries(categories.map((c) => [c.code, c]));
  let rid = requestId('op');
  let article = null;
  let pin = null;

  // --- the form ---------------------------------------------------------
  const name = h('input', { autocomplete: 'off', maxlength: 64 });
  const phone = h('input', { type: 'tel', autocomplete: 'off', inputmode: 'tel' });
  const channel = select(CHANNELS);
  const catSearch = h('input', { type: 'search', placeholder: '输入关键字筛选，如“噪声”', 'aria-controls': 'category' });
  const category = h('select', { id: 'category', size: 6 });
  const fillCategories = () => {
    const q = catSearch.value.trim();
    const keep = category.value;
    clear(category);
    for (const c of categories) {
      if (q && !c.name.includes(q) && !c.code.includes(q)) continue;
      category.append(h('option', { value: c.code }, `${c.name}（${c.code}）`));
    }
    if (keep && byCode[keep] && [...category.options].some((o) => o.value === keep)) category.value = keep;
  };
  fillCategories();
  const kind = select([['', '请选择'], ...KINDS]);
  const fillKinds = () => {
    const c = byCode[category.value];
    const keep = kind.value;
    clear(kind).append(h('option', { value: '' }, '请选择'));
    for (const [k, label] of KINDS) if (!c || c.kinds.includes(k)) kind.append(h('option', { value: k }, label));
    kind.value = [...kind.options].some((o) => o.value === keep) ? keep : (c && c.kinds.length === 1 ? c.kinds[0] : '');
  };
  const content = h('textarea', { maxlength: 4000, rows: 4 });
  const address = h('input', { autocomplete: 'off', maxlength: 200, placeholder: '如：重庆市渝中区解放碑街道民族路188号' });
  const lat = h('input', { readonly: true, size: 10, 'aria-label': '纬度' });
  const lon = h('input', { readonly: true, size: 10, 'aria-label': '经度' });
  const clearPin = h('button', { type: 'button', onclick: () => setPin(null) }, '清除定位');
  const deadlineIn = h('input', { autocomplete: 'off', placeholder: '如 2026-12-21 或 2026-12-21 18:00' });

  // disposal
  const how = h('fieldset', { class: 'disposal' }, h('legend', {}, '处置方式（M-C-1）'),
    DISPOSALS.map(([v, label], i) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: 'disposal', value: v, checked: i === 0 }), ` ${label} `)));
  const answer = h('textarea', { maxlength: 4000, rows: 3 });
  const kbQuery = h('input', { type: 'search', placeholder: '搜索知识库' });
  const kbResults = h('ul', { class: 'suggest', 'aria-label': '知识库搜索结果' });
  const cited = h('p', { class: 'hint' });
  const target = h('input', { maxlength: 200, placeholder: '如：12366纳税服务热线' });
  const rule = select([['', '请选择依据'], ...rules.map((r) => [r.code, r.basis])]);
  const ruleInfo = h('p', { class: 'hint' });
  const extra = {
    direct_answer: h('div', {},
      field('知识库', kbQuery, { hint: '回车搜索；引用后答复内容仍由您填写（M-KB-3）' }), kbResults, cited,
      field('直接答复内容', answer, { name: 'disposal.answer' })),
    call_transfer: field('转接至', target, { name: 'disposal.target' }),
    three_way_call: null,
    refusal: h('div', {}, field('不予受理依据', rule, { name: 'disposal.refusal_rule' }), ruleInfo),
  };
  const extraBox = h('div', { class: 'disposal-extra' });
  const disposalType = () => how.querySelector('input[name=disposal]:checked').value;
  const showExtra = () => {
    clear(extraBox);
    const t = disposalType();
    const e = t === 'three_way_call' ? field('三方通话对象', target, { name: 'disposal.target' }) : extra[t];
    if (e) extraBox.append(e);
    refreshPreview();
  };
  how.addEventListener('change', showExtra);
  rule.addEventListener('change', () => {
    const r = rules.find((x) => x.code === rule.value);
    ruleInfo.textContent = r && r.referral ? `引导：${r.referral.name}${r.referral.contact ? `（${r.referral.contact}）` : ''}` : '';
  });
  const searchKb = async () => {
    clear(kbResults);
    const q = kbQuery.value.trim();
    if (!q) return;
    try {
      const res = await get(`/api/v1/kb/search${query({ q, category: category.value, limit: 5 })}`);
      if (!res.results.length) kbResults.append(h('li', { class: 'empty' }, '没有找到相关知识'));
      for (const r of res.results) {
        kbResults.append(h('li', {}, h('button', {
          type: 'button',
          onclick: () => { article = { id: r.id, version: r.version }; cited.textContent = `已引用：${r.title}（第${r.version}版）`; answer.focus(); },
        }, h('b', {}, r.title), h('br'), h('span', { class: 'hint' }, marked(r.snippet)))));
      }
    } catch (e) { kbResults.append(h('li', { class: 'field-error' }, describe(e))); }
  };
  kbQuery.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); searchKb(); } });

  const preview = h('div', { class: 'preview', 'aria-live': 'polite', id: 'routing-preview' }, '填写类别、类型和地址后，这里显示派单预览。');
  const save = h('button', { type: 'submit', class: 'primary' }, '保存（Ctrl+Enter）');
  const form = h('form', { class: 'card', 'aria-labelledby': 'intake-title', novalidate: true },
    h('h1', { id: 'intake-title' }, '诉求受理'),
    h('div', { class: 'row' },
      field('来电人姓名', name, { name: 'caller.name' }),
      field('联系电话', phone, { name: 'caller.phone' }),
      field('渠道', channel, { name: 'channel' })),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'cat-search' }, '诉求类别'),
        Object.assign(catSearch, { id: 'cat-search' }), category,
        h('div', { class: 'field-error', id: 'category-err', role: 'alert' })),
      field('诉求类型', kind, { name: 'kind', hint: '只列出该类别受理的类型' })),
    field('诉求内容', content, { name: 'content' }),
    field('地址', address, { name: 'location.address', hint: '可在右侧地图上点击标注位置' }),
    h('div', { class: 'row' }, h('span', { class: 'hint' }, '定位：'), lat, lon, clearPin),
    how, extraBox,
    field('指定办理时限（可选，M-DL-3）', deadlineIn, { name: 'deadline', hint: '只写日期：该日为最后办理日；不填则按规定的工作日时限' }),
    h('div', { class: 'actions' }, save,
      h('button', { type: 'button', onclick: () => reset() }, '清空')));
  category.dataset.field = 'category';
  category.setAttribute('aria-label', '诉求类别');
  category.setAttribute('aria-describedby', 'category-err');

  const mapBox = h('div', { class: 'chart', style: 'height:360px', role: 'img', 'aria-label': '重庆市地图，点击标注诉求位置' });
  const result = h('div', { 'aria-live': 'polite', id: 'intake-result' });
  root.append(h('div', { class: 'cols' }, form,
    h('div', {}, h('section', { class: 'card', 'aria-labelledby': 'pv-title' }, h('h2', { id: 'pv-title' }, '派单预览'), preview),
      h('section', { class: 'card' }, h('h2', {}, '位置'), mapBox), result)));

  // --- the map pin ---------------------------------------------------------
  let map = null;
  const drawPin = () => map && map.setOption({ series: [{ id: 'pin', type: 'scatter', coordinateSystem: 'geo', symbolSize: 14, itemStyle: { color: '#b3261e' }, data: pin ? [[pin.lon, pin.lat]] : [] }] });
  function setPin(p) {
    pin = p;
    lat.value = p ? p.lat.toFixed(5) : '';
    lon.value = p ? p.lon.toFixed(5) : '';
    drawPin();
    refreshPreview();
  }
  chongqingMap().then(() => {
    map = chart(mapBox);
    map.setOption({
      geo: { map: 'chongqing', roam: true, label: { show: false }, itemStyle: { areaColor: '#eef1f4', borderColor: '#8c959f' }, emphasis: { label: { show: true } } },
      tooltip: { show: false },
      series: [{ id: 'pin', type: 'scatter', coordinateSystem: 'geo', data: [] }],
    });
    map.getZr().on('click', (e) => {
      const p = map.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
      if (p && Number.isFinite(p[0])) setPin({ lon: p[0], lat: p[1] });
    });
  }).catch((e) => mapBox.append(h('p', { class: 'field-error' }, `地图加载失败：${e.message}`)));

  // --- the preview -----------------------------------------------------------
  let timer = null;
  let seq = 0;
  function body() {
    const b = {
      request_id: rid, channel: channel.value, kind: kind.value || undefined, category: category.value || undefined,
      content: content.value, caller: { name: name.value.trim(), phone: phone.value.trim() },
      location: { address: address.value.trim() },
    };
    if (pin) { b.location.lat = Number(pin.lat.toFixed(6)); b.location.lon = Number(pin.lon.toFixed(6)); }
    const dl = deadlineOf(deadlineIn.value);
    if (dl) b.deadline = dl;
    const t = disposalType();
    if (t !== 'ticket') {
      b.disposal = { type: t };
      if (t === 'direct_answer') { b.disposal.answer = answer.value; if (article) b.disposal.article = article; }
      if (t === 'call_transfer' || t === 'three_way_call') b.disposal.target = target.value;
      if (t === 'refusal') b.disposal.refusal_rule = rule.value;
    }
    return b;
  }
  function refreshPreview() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      if (disposalType() !== 'ticket') { clear(preview).append('即时处置，不派单。'); return; }
      const b = body();
      if (!b.kind || !b.category || (!b.location.address && !pin)) {
        preview.className = 'preview';
        clear(preview).append('填写类别、类型和地址后，这里显示派单预览。');
        return;
      }
      const p = { kind: b.kind, category: b.category, location: b.location, deadline: b.deadline };
      if (b.caller.phone) p.caller = { phone: b.caller.phone };
      try {
        const res = await post('/api/v1/routing/preview', p);
        if (mine !== seq) return;
        preview.className = res.repeat_of ? 'preview warn' : 'preview';
        append(clear(preview), [placementView(res),
          res.repeat_of ? h('p', { class: 'repeat' }, h('b', {}, '可能重复（M-S-2）：'), res.repeat_of.message, '：',
            h('a', { href: `#/ticket/${res.repeat_of.ticket_no}` }, res.repeat_of.ticket_no)) : null]);
      } catch (e) {
        if (mine !== seq) return;
        preview.className = 'preview warn';
        clear(preview).append(describe(e));
      }
    }, 350);
  }
  for (const el of [kind, address, phone, deadlineIn]) el.addEventListener('input', refreshPreview);
  category.addEventListener('change', () => { fillKinds(); refreshPreview(); });
  catSearch.addEventListener('input', () => { fillCategories(); });
  catSearch.addEventListener('keydown', (e) => { if (e.key === 'ArrowDown') { e.preventDefault(); category.focus(); if (category.selectedIndex < 0 && category.options.length) { category.selectedIndex = 0; category.dispatchEvent(new Event('change')); } } });

  // --- saving --------------------------------------------------------------------
  function reset() {
    form.reset();
    clearErrors(form);
    rid = requestId('op');
    article = null;
    cited.textContent = '';
    clear(kbResults);
    catSearch.value = '';
    fillCategories();
    fillKinds();
    setPin(null);
    showExtra();
    clear(result);
    name.focus();
  }
  async function submit() {
    clearErrors(form);
    save.disabled = true;
    try {
      const res = await post('/api/v1/demands', body());
      clear(result).append(outcome(res));
      notice(res.linked_to_open_ticket ? '已并入在办工单' : `已登记：${res.ticket_no}`);
      rid = requestId('op'); // the next save is a new demand
    } catch (e) {
      const f = e.field === 'location' ? 'location.address' : e.field;
      showError(form, Object.assign(e, { field: f }));
    } finally {
      save.disabled = false;
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  form.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); } });

  function outcome(res) {
    if (res.linked_to_open_ticket) {
      return h('section', { class: 'card' }, h('h2', {}, '已并入在办工单（M-S-2）'),
        h('p', {}, res.message), h('p', {}, '工单：', h('a', { href: `#/ticket/${res.ticket_no}` }, res.ticket_no)),
        h('button', { type: 'button', onclick: reset }, '登记下一个来电'));
    }
    return h('section', { class: 'card', 'aria-labelledby': 'done-title' },
      h('h2', { id: 'done-title' }, res.disposal ? `已办结：${res.disposal.label || ''}` : '已登记并派单'),
      h('p', {}, '工单编号：', h('a', { href: `#/ticket/${res.ticket_no}` }, h('b', { class: 'ticket-no' }, res.ticket_no))),
      res.extraction_code ? h('div', {}, h('p', {}, '请向来电人读出提取码（仅显示这一次）：'),
        h('p', { class: 'code-once', 'aria-label': `提取码 ${res.extraction_code.split('').join(' ')}` }, res.extraction_code)) : null,
      placementView(res),
      res.disposal && res.disposal.refusal ? h('p', {}, '依据：', res.disposal.refusal.basis,
        res.disposal.refusal.referral ? `；引导至${res.disposal.refusal.referral.name}${res.disposal.refusal.referral.contact ? `（${res.disposal.refusal.referral.contact}）` : ''}` : '') : null,
      h('button', { type: 'button', class: 'primary', onclick: reset }, '登记下一个来电'));
  }

  showExtra();
  name.focus();
  return () => { if (map) map.__hotlineStop(); };
}

export default {
  id: 'intake',
  title: '受理',
  visible: (u) => u.office && (u.roles.includes('operator') || u.roles.includes('supervisor')),
  render,
};
