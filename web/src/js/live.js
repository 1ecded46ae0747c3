// Server-Sent Events read with fetch (the token only in Authorization,
// docs/API.md §2.4b), reconnecting with Last-Event-ID so that nothing is
// missed across a disconnect. `onEvent(name, data)` for every step.
import { session } from './api.js';

export function subscribe(path, onEvent, { onState } = {}) {
  let lastId = '';
  let stopped = false;
  let controller = null;
  const state = (s) => onState && onState(s);

  async function once() {
    controller = new AbortController();
    const s = session.get();
    const headers = { Accept: 'text/event-stream' };
    if (s && s.token) headers.Authorization = `Bearer ${s.token}`;
    if (lastId) headers['Last-Event-ID'] = lastId;
    const res = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    state('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const f = {};
        for (const line of block.split('\n')) {
          if (!line || line[0] === ':') continue;
          const i = line.indexOf(':');
          f[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
        }
        if (f.id) lastId = f.id;
        if (f.data) {
          try { onEvent(f.event || 'message', JSON.parse(f.data)); } catch (e) { console.error(e); }
        }
      }
    }
  }

  (async () => {
    while (!stopped) {
      try { await once(); } catch (e) { if (stopped) return; }
      if (stopped) return;
      state('reconnecting');
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();

  return () => { stopped = true; if (controller) controller.abort(); };
}

/** `f` once for a burst of calls within `ms` (a burst of steps, one reload); `.cancel()` drops a pending call. */
export function coalesce(f, ms = 300) {
  let timer = null;
  const poke = () => { if (!timer) timer = setTimeout(() => { timer = null; f(); }, ms); };
  poke.cancel = () => { clearTimeout(timer); timer = null; };
  return poke;
}

/** An `onState` for subscribe that shows the stream's state in `el` ("实时"), then calls `then(state)`. */
export function showState(el, then) {
  return (s) => {
    el.classList.toggle('on', s === 'live');
    el.textContent = s === 'live' ? '实时' : '连接中断，正在重连…';
    if (then) then(s);
  };
}
