// The public pages (issue 15 item 5): submit a demand through the web
// channel, follow it with its number and extraction code (M-R-2; the code
// goes in a header, never in the URL), and read the knowledge base.
// Works at phone width; no account, no cookie.
import { h, clear, append, field, select, marked } from './dom.js';
import { api, get, requestId, query } from './api.js';
import { showError, clearErrors, describe } from './errors.js';
import { KINDS, deadline, dateTime, label, STATUS_LABEL, SATISFACTION } from './format.js';

const view = document.getElementById('view');
const SATISFACTION_LABEL = Object.fromEntries(SATISFACTION);

async function submitPage() {
  const { categories } = await get('/api/v1/categories');
  const byCode = Object.fromEntries(categories.map((c) => [c.code, c]));
  let rid = requestId('web');
  const name = h('input', { autocomplete: 'name', maxlength: 64 });
  const phone = h('input', { type: 'tel', autocomplete: 'tel', inputmode: 'tel' });
  const category = select([['', '请选择'], ...categories.filter((c) => !c.coordination).map((c) => [c.code, c.name])]);
  const kind = select([['', '请选择'], ...KINDS]);
  category.addEventListener('change', () => {
    const c = byCode[category.value];
    const keep = kind.value;
    clear(kind).append(h('option', { value: '' }, '请选择'));
    for (const [k, l] of KINDS) if (!c || c.kinds.includes(k)) kind.append(h('option', { value: k }, l));
    kind.value = [...kind.options].some((o) => o.value === keep) ? keep : '';
  });
  const content = h('textarea', { maxlength: 4000, rows: 5 });
  const address = h('input', { autocomplete: 'street-address', maxlength: 200, placeholder: '区县、街道（乡镇）、路名门牌或小区' });
  const send = h('button', { type: 'submit', class: 'primary' }, '提交');
  const result = h('div', { 'aria-live': 'polite', id: 'submit-result' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'submit-title' },
    h('h1', { id: 'submit-title' }, '提交诉求'),
    h('p', { class: 'hint' }, '您的姓名和电话只用于办理和回访，加密保存，不会公开。'),
    field('姓名', name, { name: 'caller.name' }),
    field('联系电话', phone, { name: 'caller.phone' }),
    field('诉求类别', category, { name: 'category' }),
    field('诉求类型', kind, { name: 'kind' }),
    field('诉求内容', content, { name: 'content', hint: '请写清楚时间、地点和具体情况' }),
    field('事发地址', address, { name: 'location.address' }),
    h('div', { class: 'actions' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    try {
      const res = await api('POST', '/api/v1/demands', {
        request_id: rid, channel: 'web', kind: kind.value || undefined, category: category.value || undefined,
        content: content.value, caller: { name: name.value.trim(), phone: phone.value.trim() },
        location: { address: address.value.trim() },
      }, { anonymous: true });
      rid = requestId('web');
      form.reset();
      append(clear(result), h('section', { class: 'card', 'aria-labelledby': 'ok-title' },
        h('h2', { id: 'ok-title' }, '提交成功'),
        h('p', {}, '工单编号：', h('b', { class: 'ticket-no' }, res.ticket_no)),
        h('p', {}, '提取码：', h('b', { class: 'code-once' }, res.extraction_code)),
        h('p', { class: 'hint' }, '请记下工单编号和提取码，凭它们查询办理进度和结果。提取码只显示这一次。'),
        res.assignment ? h('p', {}, `已派至${res.assignment.unit_name}办理，最后办理日 ${res.deadline_date}。`)
          : h('p', {}, '热线正在确定承办单位。')));
      result.scrollIntoView();
    } catch (err) {
      showError(form, Object.assign(err, { field: err.field === 'location' ? 'location.address' : err.field }));
    } finally { send.disabled = false; }
  });
  view.append(form, result);
}

async function trackPage() {
  const no = h('input', { inputmode: 'numeric', autocomplete: 'off', placeholder: '如 20261202-000001' });
  const code = h('input', { inputmode: 'numeric', autocomplete: 'off', maxlength: 6 });
  const out = h('div', { 'aria-live': 'polite', id: 'track-result' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'track-title' },
    h('h1', { id: 'track-title' }, '查询办理进度'),
    field('工单编号', no, { name: 'ticket_no' }),
    field('提取码', code, { name: 'code', hint: '提交时得到的6位数字' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '查询')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    clear(out);
    const n = no.value.trim();
    if (!/^\d{8}-\d{6}$/.test(n)) {
      showError(form, { code: 'invalid_field', field: 'ticket_no', message: '' });
      return;
    }
    try {
      const t = await api('GET', `/api/v1/tickets/${encodeURIComponent(n)}`, undefined,
        { anonymous: true, headers: { 'X-Extraction-Code': code.value.trim() } });
      out.append(ticketCard(t));
    } catch (err) { showError(form, err); }
  });
  view.append(form, out);
}

function ticketCard(t) {
  const rows = [
    ['状态', h('span', { class: `badge ${t.status === 'closed' ? 'ok' : ''}` }, label(t, 'status', STATUS_LABEL))],
    ['诉求类别', t.category ? t.category.name : '—'],
    ['诉求内容', t.content],
    ['提交时间', dateTime(t.submitted_at)],
    ['承办单位', t.assignment ? t.assignment.unit_name : '热线协调中'],
    ['办理时限', deadline(t)],
    t.accepted_at ? ['签收时间', dateTime(t.accepted_at)] : null,
    t.answer ? ['答复', h('div', {}, h('p', {}, t.answer.text), h('span', { class: 'hint' }, dateTime(t.answer.at)))] : null,
    t.callback ? ['回访', `${SATISFACTION_LABEL[t.callback.satisfaction] || t.callback.satisfaction}，${t.callback.resolved ? '已解决' : '未解决'}`] : null,
    t.closed_at ? ['办结时间', dateTime(t.closed_at)] : null,
    t.disposal ? ['处置', t.disposal.label || t.disposal.type] : null,
  ].filter(Boolean);
  return h('section', { class: 'card', 'aria-labelledby': 't-title' },
    h('h2', { id: 't-title' }, `工单 ${t.ticket_no}`),
    h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

async function kbPage() {
  const q = h('input', { type: 'search', placeholder: '如：社保卡补办、噪声投诉' });
  const out = h('div', { 'aria-live': 'polite', id: 'kb-result' });
  const form = h('form', { class: 'card', role: 'search', 'aria-labelledby': 'kb-title' },
    h('h1', { id: 'kb-title' }, '常见问题'),
    field('搜索', q, { name: 'q' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '搜索')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    clear(out);
    if (!q.value.trim()) return;
    try {
      const res = await get(`/api/v1/kb/search${query({ q: q.value.trim(), limit: 10 })}`, { anonymous: true });
      if (!res.results.length) { out.append(h('p', { class: 'empty' }, '没有找到相关内容，您可以提交诉求或拨打12345。')); return; }
      out.append(h('ul', { class: 'kb-list' }, res.results.map((r) => h('li', { class: 'card' },
        h('h2', {}, h('button', { type: 'button', class: 'link', onclick: () => openArticle(r.id, out) }, r.title)),
        h('p', {}, marked(r.snippet)), h('p', { class: 'hint' }, r.owner ? r.owner.unit_name : '')))));
    } catch (err) { showError(form, err); }
  });
  view.append(form, out);
}

async function openArticle(id, out) {
  try {
    const a = await get(`/api/v1/kb/articles/${encodeURIComponent(id)}`, { anonymous: true });
    clear(out).append(h('article', { class: 'card' }, h('h2', {}, a.title),
      (a.body || '').split('\n').filter(Boolean).map((p) => h('p', {}, p)),
      h('p', { class: 'hint' }, a.owner ? `主管单位：${a.owner.unit_name}` : '')));
  } catch (err) { clear(out).append(h('p', { class: 'form-error' }, describe(err))); }
}

const PAGES = { submit: submitPage, track: trackPage, kb: kbPage };
async function route() {
  const tab = (location.hash || '#submit').slice(1);
  const page = PAGES[tab] || submitPage;
  document.querySelectorAll('.tabs a').forEach((a) => {
    const on = a.dataset.tab === (PAGES[tab] ? tab : 'submit');
    a.classList.toggle('active', on);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  clear(view);
  try { await page(); } catch (e) { view.append(h('p', { class: 'form-error' }, describe(e))); }
}
window.addEventListener('hashchange', route);
route();
