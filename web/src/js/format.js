// Dates and labels, one way everywhere: 2026-12-03 and 2026-12-03 14:05
// (China Standard Time), a deadline as its last working day (deadline_date).

const pad = (n) => String(n).padStart(2, '0');

/** An ISO instant as Shanghai time, "2026-12-03 14:05". */
export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const s = new Date(d.getTime() + 8 * 3600 * 1000); // UTC+8, no DST
  return `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())} ${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}`;
}

/** A civil date as it is, "2026-12-21"; an instant as its Shanghai date. */
export function date(v) {
  if (!v) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  return dateTime(v).slice(0, 10);
}

/** The deadline a person reads: the last working day (issue 15 item 6). */
export function deadline(view) {
  if (!view) return '—';
  return view.deadline_date ? `${view.deadline_date}（最后办理日）` : '—';
}

export const KINDS = [
  ['consultation', '咨询'], ['help', '求助'], ['complaint', '投诉'], ['report', '举报'], ['suggestion', '意见建议'],
];
export const KIND_LABEL = Object.fromEntries(KINDS);
export const CHANNELS = [['phone', '电话'], ['web', '网站'], ['app', '移动应用'], ['wechat', '微信'], ['integrator', '对接系统']];
export const CHANNEL_LABEL = Object.fromEntries(CHANNELS);
export const SATISFACTION = [['satisfied', '满意'], ['basically_satisfied', '基本满意'], ['not_satisfied', '不满意']];
export const STATUS_LABEL = {
  registered: '已登记', coordinating: '协调中', dispatched: '已派单', accepted: '已签收',
  replied: '已答复', called_back: '已回访待重办', closed: '已办结',
};
export const UNIT_KIND_LABEL = {
  office: '12345热线', district_government: '区县政府', township: '乡镇/街道',
  district_department: '区县部门', city_department: '市级部门', enterprise: '企事业单位',
};
export const ROLE_LABEL = {
  operator: '话务员', supervisor: '督办员', liaison: '联络员', handler: '承办人', auditor: '审计员', admin: '管理员',
};

/** The label the API gives (status_label …), else ours, else the code. */
export function label(obj, key, table) {
  return (obj && obj[`${key}_label`]) || (table && obj && table[obj[key]]) || (obj && obj[key]) || '—';
}

/** Reasons with their rule ids: "M-RT-1 坐标…". */
export function reasons(list) {
  return (list || []).map((r) => `${r.rule} ${r.text}`);
}

/** The last working day of a deadline instant: the Shanghai date just before it
 * (an extension's new_deadline 2026-12-29T00:00:00+08:00 → "2026-12-28"). */
export function lastDay(iso) {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? iso : dateTime(new Date(t - 1).toISOString()).slice(0, 10);
}

/** The deadline instant that ends the last working day `day` ("2026-12-28"
 * → "2026-12-29T00:00:00+08:00"), as the API's new_deadline wants it. */
export function endOfDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return day;
  const next = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + 1));
  return `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}T00:00:00+08:00`;
}
