// The one way the pages talk to hotlined: JSON over fetch, the session's
// bearer token in the Authorization header (never in a URL, never in a
// cookie: no request can be forged from another site), errors as ApiError
// with the API's stable code and field (docs/API.md §1.6).

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'http');
    this.field = e.field || null;
    this.retryAfter = retryAfter;
  }
}

// The token lives in this tab's sessionStorage: gone when the tab closes,
// never sent anywhere but in the Authorization header.
const KEY = 'hotline.session';
export const session = {
  get() {
    try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
  },
  set(s) { sessionStorage.setItem(KEY, JSON.stringify(s)); },
  clear() { sessionStorage.removeItem(KEY); },
};

const listeners = new Set();
/** Called with no argument when the server refuses the session (401). */
export function onSessionLost(f) { listeners.add(f); }

export async function api(method, path, body, { headers = {}, anonymous = false } = {}) {
  const h = { Accept: 'application/json', ...headers };
  const s = session.get();
  if (s && s.token && !anonymous) h.Authorization = `Bearer ${s.token}`;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: String(e) } });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers.get('Retry-After'));
    if (res.status === 401 && s && !anonymous && err.field === 'authorization') {
      session.clear();
      listeners.forEach((f) => f());
    }
    throw err;
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body ?? {}, opts);

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A request id for an intake, unique per form (idempotent retries). */
export function requestId(prefix = 'web') {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${r[0].toString(36)}${r[1].toString(36)}`;
}
