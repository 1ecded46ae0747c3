// The API's errors in words a person understands, next to the field they
// concern (docs/API.md §1.6: match on code and field, never on message).
import { h, clear } from './dom.js';

const FIELD_NAMES = {
  'caller.name': '来电人姓名', 'caller.phone': '联系电话', kind: '诉求类型', category: '诉求类别',
  content: '诉求内容', 'location.address': '地址', 'location.lat': '纬度', 'location.lon': '经度',
  channel: '渠道', deadline: '办理时限', code: '提取码', ticket_no: '工单编号', username: '用户名',
  password: '密码', text: '答复内容', reason: '理由', progress: '办理进展', new_due: '延期至',
  note: '意见', purpose: '用途', lead_unit_id: '主办单位', cooperating_unit_ids: '协办单位',
  unit_id: '单位', display_name: '姓名', roles: '角色', result: '满意度', satisfaction: '满意度', ticket: '工单',
  resolved: '是否解决', q: '搜索词', period: '期间',
  'disposal.answer': '直接答复内容', 'disposal.refusal_rule': '不予受理依据',
  'disposal.referral': '引导去向', 'disposal.transfer_to': '转办去向', name: '姓名',
  new_deadline: '延期后的最后办理日', approve: '审批结果', handler_unit_id: '具体承办单位',
  instruction: '交办要求', extension: '延期申请', opinions: '协办意见',
};

const BY_CODE = {
  missing_field: (f) => `请填写${f || '必填项'}`,
  invalid_field: (f, m) => (/at least 1 character|must not be empty|non-empty/.test(m || '') ? `请填写${f || '此项'}`
    : /later than the current/.test(m || '') ? `${f || '日期'}应晚于现在的最后办理日`
      : `${f || '输入'}格式不正确${hintOf(m)}`),
  unknown_category: () => '没有这个诉求类别，请从列表中选择',
  kind_not_in_category: () => '该类别不受理这种诉求类型，请换一个类型或类别',
  unknown_unit: () => '没有这个承办单位，请从搜索结果中选择',
  unknown_refusal_rule: () => '请选择一条已配置的不予受理依据',
  invalid_credentials: () => '用户名或密码不正确',
  unauthorized: () => '登录已失效，请重新登录',
  forbidden: (f, m, field) => (field === 'handler_unit_id' ? '该单位不在本单位可交办的范围内（M-RT-3）'
    : field === 'approver' ? '只有上一级单位可以审批延期（M-DL-5）' : '您的账号无权进行此操作'),
  not_found: (f, m, field) => (field === 'ticket_no' || field === 'code' ? '工单编号或提取码不正确' : '没有找到'),
  conflict: (f, m, field) => CONFLICT_BY_FIELD[field] || '工单状态已变化，无法执行此操作，请刷新后重试',
  deadline_passed: () => '已超过办理时限，不能再申请延期',
  return_window_passed: () => '已超过退单时限，不能退单',
  rate_limited: () => '操作过于频繁，请稍后再试',
  too_many_attempts: () => '尝试次数过多，请15分钟后再试',
  unavailable: () => '服务暂时不可用，未做任何更改，请稍后重试',
  overloaded: () => '系统繁忙，未做任何更改，请稍后重试',
  network: () => '无法连接到服务器，请检查网络后重试',
  payload_too_large: () => '内容过长',
  invalid_password: () => '密码至少10个字符（最多256个）',
  invalid_username: () => '用户名只能用字母、数字、点、下划线和连字符',
  invalid_display_name: () => '请填写姓名（最多64个字）',
  invalid_role: () => '所选角色与单位不符：热线账号只能有热线角色，单位账号只能有单位角色',
  exists: () => '用户名已存在',
  not_a_session: () => '自动化令牌不能退出',
  internal: () => '服务器内部错误，未知是否已保存，请刷新查看',
};

// A 409 whose field says more than "the status changed".
const CONFLICT_BY_FIELD = {
  opinions: '还有协办单位未提交意见，收齐协办意见后才能答复（M-DL-4）',
  extension: '已有一个延期申请在等待审批',
  handler_unit_id: '已指定的具体承办单位尚未报告办理情况',
};

function hintOf(m) {
  if (!m) return '';
  const n = /at most (\d+) characters/.exec(m);
  if (n) return `（最多${n[1]}个字）`;
  if (/phone/.test(m)) return '（应为5至20位数字）';
  if (/ISO 8601/.test(m)) return '（日期时间格式不对）';
  if (/future/.test(m)) return '（应晚于现在）';
  return '';
}

export function fieldName(path) { return FIELD_NAMES[path] || null; }

/** The sentence for an ApiError; `name` overrides the field's usual name. */
export function describe(err, name) {
  const f = name || (err.field ? fieldName(err.field) : null);
  const say = BY_CODE[err.code];
  if (!err.code) console.error(err);
  let text = say ? say(f, err.message, err.field) : err.code ? `操作失败（${err.code}）` : `页面出错：${err.message || err}`;
  if (err.retryAfter && (err.code === 'rate_limited' || err.code === 'too_many_attempts'))
    text += `（约${Math.ceil(Number(err.retryAfter) / 60) || 1}分钟后）`;
  return text;
}

/**
 * Shows `err` in `form`: next to the input whose data-field is err.field
 * (named by its data-label if it has one), otherwise in the form's general
 * error box. Returns the sentence.
 */
export function showError(form, err) {
  clearErrors(form);
  const input = err.field ? form.querySelector(`[data-field="${CSS.escape(err.field)}"]`) : null;
  // A form may name its field itself (data-label): the same API field `text`
  // is an answer in one form, an opinion or a report in others.
  let text = describe(err, input && input.dataset.label);
  if (input && (input.tagName === 'SELECT' || input.tagName === 'FIELDSET' || input.getAttribute('role') === 'combobox')) text = text.replace(/^请填写/, '请选择');
  const slot = input && document.getElementById(`${input.id}-err`);
  if (slot) {
    slot.textContent = text;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } else {
    let box = form.querySelector('.form-error');
    if (!box) { box = h('div', { class: 'form-error', role: 'alert' }); form.prepend(box); }
    box.textContent = text;
  }
  return text;
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => clear(e));
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  form.querySelectorAll('.form-error').forEach((e) => e.remove());
}
