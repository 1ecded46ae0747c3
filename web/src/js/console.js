// The staff console (issue 15): sign-in, then the pages the account's
// roles may use (docs/CONSOLE.md). Hash routes: #/intake, #/ticket/NO …
import { h, clear, field, notice } from './dom.js';
import { api, post, session, onSessionLost } from './api.js';
import { showError } from './errors.js';
import { ROLE_LABEL } from './format.js';
import pages from './pages/index.js';
import { is } from './roles.js';

const main = document.getElementById('main');
let leave = null;


function user() { const s = session.get(); return s && s.user; }

function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }

function renderLogin() {
  clear(document.getElementById('nav'));
  clear(document.getElementById('who'));
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, '工作人员登录'),
    field('用户名', username, { name: 'username' }),
    field('密码', password, { name: 'password' }),
    h('button', { type: 'submit', class: 'primary' }, '登录'),
    h('p', { class: 'hint' }, '账号由管理员在服务器上创建（见 README“People and access”）。'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const s = await api('POST', '/api/v1/session', { username: username.value.trim(), password: password.value }, { anonymous: true });
      session.set({ token: s.token, user: s.user });
      password.value = '';
      location.hash = '';
      route();
    } catch (e) { showError(form, e); }
  });
  clear(main).append(form);
  username.focus();
}

function renderChrome(u) {
  const nav = clear(document.getElementById('nav'));
  for (const p of pages) {
    if (p.nav === false || !p.visible(u)) continue;
    nav.append(h('a', { href: `#/${p.id}`, dataset: { page: p.id } }, p.title));
  }
  const roles = u.roles.map((r) => ROLE_LABEL[r] || r).join('、');
  clear(document.getElementById('who')).append(
    h('span', { class: 'who-name' }, `${u.display_name}`),
    h('span', { class: 'who-unit' }, `${u.unit_name} · ${roles}`),
    h('button', { type: 'button', class: 'link', onclick: logout }, '退出'));
}

async function logout() {
  try { await api('DELETE', '/api/v1/session'); } catch { /* ends anyway */ }
  session.clear();
  location.hash = '';
  renderLogin();
}

async function route() {
  if (leave) { try { leave(); } catch { /* ignore */ } leave = null; }
  const u = user();
  if (!u) return renderLogin();
  renderChrome(u);
  const [, id, ...rest] = (location.hash || '').replace(/^#/, '').split('/');
  const visible = pages.filter((p) => p.visible(u));
  const page = visible.find((p) => p.id === id) || visible.find((p) => p.nav !== false);
  if (!page) {
    clear(main).append(h('p', {}, '您的账号没有可用的功能，请联系管理员。'));
    return;
  }
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === page.id));
  document.title = `${page.title} · 重庆12345工作台`;
  const root = clear(main);
  try {
    const out = await page.render(root, { user: u, params: rest.map(decodeURIComponent), go, is });
    if (typeof out === 'function') leave = out;
  } catch (e) {
    console.error(e);
    root.append(h('p', { class: 'form-error', role: 'alert' }, '页面加载失败：', e.message || String(e)));
  }
  main.focus({ preventScroll: true });
}

onSessionLost(() => { notice('登录已失效，请重新登录', 'error'); renderLogin(); });
window.addEventListener('hashchange', route);
route();
