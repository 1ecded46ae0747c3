// Building the DOM without HTML strings: text is always text (no caller's
// or unit's words are ever parsed as markup).

/** h('div', {class: 'x', onclick: f}, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

/** Appends nodes, text and (nested) arrays of them; skips null/false. */
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let fieldSeq = 0;
/**
 * A labelled input with its error slot. `name` is the API's field path
 * (caller.phone), so that an API error lands next to its field.
 */
export function field(label, input, { name, hint } = {}) {
  const id = input.id || `f${++fieldSeq}`;
  input.id = id;
  if (name) input.dataset.field = name;
  const err = h('div', { class: 'field-error', role: 'alert', id: `${id}-err` });
  input.setAttribute('aria-describedby', `${id}-err`);
  return h('div', { class: 'field', dataset: name ? { for: name } : {} },
    h('label', { for: id }, label), input, hint ? h('div', { class: 'hint' }, hint) : null, err);
}

export function select(options, attrs = {}) {
  return h('select', attrs, options.map(([value, label]) => h('option', { value }, label)));
}

/** A transient message at the top of the page (role=status). */
export function notice(text, kind = 'ok') {
  const box = document.getElementById('notices') || document.body;
  const n = h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  box.append(n);
  setTimeout(() => n.remove(), 6000);
  return n;
}

/** A table from rows: columns [[header, row => cell]]. */
export function table(columns, rows, { empty = '暂无数据', caption } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h('table', { class: 'grid' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([t]) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map(([, f]) => h('td', {}, f(r)))))));
}

/** A search snippet's <mark>…</mark> as elements, everything else as text. */
export function marked(text) {
  return (text || '').split(/(<mark>.*?<\/mark>)/).map((part) => {
    const m = /^<mark>(.*)<\/mark>$/.exec(part);
    return m ? h('mark', {}, m[1]) : part;
  });
}
