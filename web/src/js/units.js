// The unit directory (GET /api/v1/units, read once per page load) and a
// unit picker: search by name as you type, choose from the list with the
// mouse or the keyboard (↓ into the list, ↑/↓ to move, Enter to choose,
// Esc back to the search). Single (a lead) or multiple (cooperating units).
import { h, clear } from './dom.js';
import { get } from './api.js';
import { UNIT_KIND_LABEL } from './format.js';

let directory = null;

/** Every unit, with `parent_name`; cached. */
export function units() {
  if (!directory) {
    directory = get('/api/v1/units').then(({ units: list }) => {
      const byId = Object.fromEntries(list.map((u) => [u.id, u]));
      return list.map((u) => ({ ...u, parent_name: u.parent && byId[u.parent] ? byId[u.parent].name : '' }));
    }).catch((e) => { directory = null; throw e; });
  }
  return directory;
}

/** "解放碑街道（乡镇/街道 · 渝中区）" */
export function unitLabel(u) {
  const kind = UNIT_KIND_LABEL[u.kind] || u.kind;
  return `${u.name}（${kind}${u.parent_name && u.kind !== 'district_government' ? ` · ${u.parent_name}` : ''}）`;
}

/**
 * A picker: { input, list, chosen, value(), clear(), box }. Put `input` in a
 * field() (so the label and the API error go with it) and `box` after it.
 * `multiple`: chosen units as removable chips; value() is an array of ids.
 */
export function unitPicker({ multiple = false, exclude = () => [], max = 12, placeholder = '输入单位名称搜索' } = {}) {
  const seq = `up${Math.random().toString(36).slice(2, 8)}`;
  const input = h('input', { type: 'search', autocomplete: 'off', placeholder, role: 'combobox',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': `${seq}-list` });
  const list = h('ul', { class: 'suggest', id: `${seq}-list`, 'aria-label': '搜索结果', hidden: true });
  const chips = h('ul', { class: 'chips', 'aria-label': '已选择的单位' });
  let chosen = [];
  let all = [];
  units().then((u) => { all = u.filter((x) => x.kind !== 'office'); });

  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); };
  const drawChips = () => {
    clear(chips);
    if (!multiple) return;
    for (const u of chosen) {
      chips.append(h('li', { dataset: { unit: u.id } }, h('span', { class: 'badge' }, unitLabel(u)), ' ',
        h('button', { type: 'button', class: 'link', 'aria-label': `移除${u.name}`,
          onclick: () => { chosen = chosen.filter((c) => c.id !== u.id); drawChips(); input.focus(); } }, '移除')));
    }
  };
  const choose = (u) => {
    if (multiple) {
      if (!chosen.some((c) => c.id === u.id)) chosen.push(u);
      input.value = '';
    } else {
      chosen = [u];
      input.value = u.name;
    }
    input.dataset.unit = multiple ? chosen.map((c) => c.id).join(',') : u.id;
    // a choice answers the error shown for this field
    const err = document.getElementById(`${input.id}-err`);
    if (err) err.textContent = '';
    input.removeAttribute('aria-invalid');
    drawChips();
    close();
    input.focus();
  };
  const search = () => {
    const q = input.value.trim();
    if (!multiple && chosen.length && q !== chosen[0].name) { chosen = []; delete input.dataset.unit; }
    clear(list);
    if (!q) { close(); return; }
    const skip = new Set([...exclude(), ...chosen.map((c) => c.id)]);
    const hits = all.filter((u) => !skip.has(u.id) && (u.name.includes(q) || u.id.startsWith(q)))
      .sort((a, b) => (a.name.startsWith(q) ? 0 : 1) - (b.name.startsWith(q) ? 0 : 1) || a.name.length - b.name.length)
      .slice(0, max);
    if (!hits.length) list.append(h('li', { class: 'empty' }, '没有名称含此关键字的单位'));
    for (const u of hits) {
      list.append(h('li', {}, h('button', { type: 'button', dataset: { unit: u.id }, onclick: () => choose(u) }, unitLabel(u))));
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  input.addEventListener('input', search);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') {
      const first = list.querySelector('button');
      if (first) { ev.preventDefault(); first.focus(); }
    } else if (ev.key === 'Enter') {
      const buttons = list.querySelectorAll('button');
      if (!list.hidden && buttons.length === 1) { ev.preventDefault(); buttons[0].click(); }
    } else if (ev.key === 'Escape') close();
  });
  list.addEventListener('keydown', (ev) => {
    const buttons = [...list.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    if (ev.key === 'ArrowDown' && i < buttons.length - 1) { ev.preventDefault(); buttons[i + 1].focus(); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); (i > 0 ? buttons[i - 1] : input).focus(); }
    else if (ev.key === 'Escape') { ev.preventDefault(); close(); input.focus(); }
  });

  return {
    input,
    box: h('div', { class: 'unit-picker' }, list, chips),
    value: () => (multiple ? chosen.map((c) => c.id) : (chosen[0] ? chosen[0].id : '')),
    chosen: () => [...chosen],
    /** Chooses the unit with this id (a proposal taken as it is). */
    pick: async (id) => { const u = (await units()).find((x) => x.id === id); if (u) choose(u); },
    clear: () => { chosen = []; input.value = ''; delete input.dataset.unit; drawChips(); close(); },
  };
}
