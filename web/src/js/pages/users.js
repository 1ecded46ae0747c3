// 账号 (admin, M-U-1): the accounts, a new one, disable and enable. Every
// change is audited by the server; a password is typed once and never shown.
import { h, clear, field, select, table, notice } from '../dom.js';
import { get, post } from '../api.js';
import { units as directory } from '../units.js';
import { showError, clearErrors, describe } from '../errors.js';
import { ROLE_LABEL, dateTime } from '../format.js';

const OFFICE_ROLES = ['operator', 'supervisor', 'auditor', 'admin'];
const UNIT_ROLES = ['liaison', 'handler'];

async function render(root) {
  const list = h('div', { id: 'user-list' });
  const username = h('input', { autocomplete: 'off', maxlength: 64 });
  const display = h('input', { autocomplete: 'off', maxlength: 64 });
  const unitSearch = h('input', { type: 'search', placeholder: '输入单位名称，如“解放碑”；热线请选“热线”' });
  const unit = h('select', { size: 5, id: 'unit-select', 'aria-describedby': 'unit-select-err' });
  const roles = h('fieldset', { class: 'roles', id: 'roles' }, h('legend', {}, '角色'));
  const password = h('input', { type: 'password', autocomplete: 'new-password' });
  const units = await directory();
  const fillUnits = () => {
    const q = unitSearch.value.trim();
    clear(unit);
    const found = units.filter((u) => !q || u.name.includes(q) || u.id.startsWith(q) || (q === '热线' && u.kind === 'office')).slice(0, 50);
    for (const u of found) unit.append(h('option', { value: u.kind === 'office' ? 'office' : u.id }, `${u.name}（${u.id}）`));
    fillRoles();
  };
  const fillRoles = () => {
    clear(roles).append(h('legend', {}, '角色'));
    const office = unit.value === 'office';
    for (const r of office ? OFFICE_ROLES : UNIT_ROLES) {
      roles.append(h('label', { class: 'radio' }, h('input', { type: 'checkbox', value: r, name: 'role' }), ` ${ROLE_LABEL[r]} `));
    }
  };
  unitSearch.addEventListener('input', fillUnits);
  unit.addEventListener('change', fillRoles);
  unit.dataset.field = 'unit_id';
  unit.setAttribute('aria-label', '所属单位');
  roles.dataset.field = 'roles';
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'nu-title' },
    h('h2', { id: 'nu-title' }, '新建账号'),
    h('div', { class: 'row' }, field('用户名', username, { name: 'username', hint: '字母、数字、点、下划线' }),
      field('姓名', display, { name: 'display_name' })),
    h('div', { class: 'field' }, h('label', { for: 'unit-search' }, '所属单位'), Object.assign(unitSearch, { id: 'unit-search' }), unit,
      h('div', { class: 'field-error', id: 'unit-select-err', role: 'alert' })),
    roles, h('div', { class: 'field-error', id: 'roles-err', role: 'alert' }),
    field('初始密码', password, { name: 'password', hint: '10至256个字符，请当面告知本人' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '创建')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const chosen = [...roles.querySelectorAll('input:checked')].map((i) => i.value);
      const res = await post('/api/v1/users', {
        username: username.value.trim(), display_name: display.value.trim(), unit_id: unit.value || '',
        roles: chosen, password: password.value,
      });
      password.value = '';
      form.reset();
      notice(`已创建账号 ${res.user.username}`);
      load();
    } catch (err) { showError(form, err); }
  });

  async function load() {
    try {
      const { users } = await get('/api/v1/users');
      clear(list).append(table([
        ['用户名', (u) => u.username], ['姓名', (u) => u.display_name], ['单位', (u) => u.unit_name],
        ['角色', (u) => u.roles.map((r) => ROLE_LABEL[r] || r).join('、')],
        ['状态', (u) => h('span', { class: `badge ${u.disabled ? 'bad' : 'ok'}` }, u.disabled ? '已停用' : '正常')],
        ['更新', (u) => dateTime(u.updated_at)],
        ['', (u) => h('button', {
          type: 'button', class: u.disabled ? '' : 'danger',
          onclick: async () => {
            try {
              await post(`/api/v1/users/${encodeURIComponent(u.username)}/${u.disabled ? 'enable' : 'disable'}`);
              notice(u.disabled ? `已启用 ${u.username}` : `已停用 ${u.username}，其登录已全部失效`);
              load();
            } catch (err) { notice(describe(err), 'error'); }
          },
        }, u.disabled ? '启用' : '停用')],
      ], users, { caption: '全部账号' }));
    } catch (err) { clear(list).append(h('p', { class: 'form-error' }, describe(err))); }
  }
  root.append(h('h1', {}, '账号管理'), h('div', { class: 'cols' }, h('section', { class: 'card' }, list), form));
  fillUnits();
  unit.value = 'office';
  fillRoles();
  load();
}

export default { id: 'users', title: '账号', visible: (u) => u.roles.includes('admin'), render };
