// 审计 (auditor, M-D-3): who revealed a caller's contact and why, account
// and webhook changes — the audit log, a page at a time.
import { h, clear, field, table } from '../dom.js';
import { get, query } from '../api.js';
import { showError, clearErrors } from '../errors.js';
import { dateTime } from '../format.js';

const ACTIONS = {
  caller_contact: '查看来电人联系方式', user_add: '新建账号', user_disable: '停用账号', user_enable: '启用账号',
  webhook_add: '新增推送订阅', webhook_remove: '删除推送订阅', webhook_replay: '重发推送',
};

async function render(root) {
  const user = h('input', { autocomplete: 'off' });
  const ticket = h('input', { autocomplete: 'off', placeholder: '如 20261202-000001' });
  const out = h('div', { id: 'audit-list' });
  let next = null;
  const form = h('form', { class: 'card row', role: 'search' },
    field('用户名', user, { name: 'user' }), field('工单编号', ticket, { name: 'ticket' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '查询')));
  const more = h('button', { type: 'button', hidden: true, onclick: () => load(true) }, '更多');
  async function load(append) {
    clearErrors(form);
    try {
      const res = await get(`/api/v1/audit${query({ user: user.value.trim(), ticket: ticket.value.trim(), after: append ? next : '' })}`);
      next = res.next;
      more.hidden = !next;
      const t = table([
        ['时间', (e) => dateTime(e.at)], ['操作', (e) => ACTIONS[e.action] || e.action],
        ['人员', (e) => `${e.display_name || ''}（${e.user}）`], ['单位', (e) => e.unit_id || '—'],
        ['工单', (e) => e.ticket_no || '—'], ['用途', (e) => e.purpose || e.subject || '—'], ['来源', (e) => e.client || '—'],
      ], res.entries, { empty: '没有记录' });
      if (append) out.append(t); else clear(out).append(t);
    } catch (err) { showError(form, err); }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(false); });
  root.append(h('h1', {}, '审计日志'), form, h('section', { class: 'card' }, out, more));
  load(false);
}

export default { id: 'audit', title: '审计', visible: (u) => u.roles.includes('auditor'), render };
