/**
 * The page's shared client code: DOM and SVG builders (text only, never markup), JSON fetches, the
 * hash router and the poll that keeps the current view live. Plain browser JavaScript, no build step;
 * no template literals, so that it can live in a String.raw.
 */
export const CLIENT_CORE = String.raw`
const TYPES = ['Entry', 'Exit', 'Local'];
const LAYERS = ['Unknown', 'Database', 'RPCFramework', 'Http', 'MQ', 'Cache', 'FAAS'];
const SVG_NS = 'http://www.w3.org/2000/svg';
const POLL_MS = 2000;
const main = document.getElementById('main');
const status = document.getElementById('status');

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  return fill(node, attrs, children);
}

function svg(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

// Attributes are set one by one and children appended as text nodes: data never becomes markup.
function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, String(v));
  for (const child of children) {
    if (child === '' || child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function json(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    const err = new Error(res.status === 404 && path.startsWith('traces/') ? 'no such trace held (not received yet, or evicted)' : path + ': HTTP ' + res.status);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

// A source that may not be served by this collector (yet): null when it answers 404 or is unreachable.
async function optionalJson(path) {
  try {
    const res = await fetch(path, { headers: { accept: 'application/json' } });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}

function hashLink(view, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const q = query.toString();
  return '#/' + view + (q ? '?' + q : '');
}

function traceLink(traceId, spanKey) {
  return '#/trace/' + encodeURIComponent(traceId) + (spanKey ? '?span=' + encodeURIComponent(spanKey) : '');
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const at = raw.indexOf('?');
  const path = (at < 0 ? raw : raw.slice(0, at)).split('/').filter((p) => p !== '');
  const params = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
  const view = path[0] || 'traces';
  let arg;
  try {
    arg = path[1] === undefined ? undefined : decodeURIComponent(path.slice(1).join('/'));
  } catch {
    arg = path.slice(1).join('/');
  }
  return { view, arg, params };
}

function time(ms) {
  const d = new Date(ms);
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}

function ruleIndex(rules) {
  const byId = {};
  for (const r of rules || []) byId[r.rule] = r;
  return byId;
}

function violationsByTrace(violations) {
  const byTrace = new Map();
  for (const v of violations) {
    const list = byTrace.get(v.traceId) || [];
    list.push(v);
    byTrace.set(v.traceId, list);
  }
  return byTrace;
}

function badge(violations) {
  if (!violations || violations.length === 0) return '';
  const severity = violations.some((v) => v.severity === 'error') ? 'error' : 'warning';
  const rules = [...new Set(violations.map((v) => v.rule))].join(', ');
  return el('span', { class: 'badge ' + severity, title: rules }, '⚠ ' + violations.length);
}

// The views register here: load(route) fetches the data, toolbar(route) builds the persistent
// controls (kept while only the data changes), render(data, route) builds the content.
const VIEWS = {};
let current = { key: '', signature: '', received: '', toolbar: null, content: null, generation: 0 };

function setActiveTab(view) {
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
}

// Polls wait while a load is on its way, so that a slow collector is not asked again and again.
let loading = 0;

async function refresh(force) {
  loading++;
  try {
    await load(force);
  } finally {
    loading--;
  }
}

async function load(force) {
  const route = parseHash();
  const view = VIEWS[route.view] || VIEWS.traces;
  const viewName = VIEWS[route.view] ? route.view : 'traces';
  const key = viewName + '/' + (route.arg || '');
  const generation = ++current.generation;
  let data;
  try {
    // A poll reloads a view made of segments only when they changed (cheap /stats first); instances,
    // meters and logs change without segments, so their views always reload.
    if (!force && key === current.key && view.fromSegmentsOnly) {
      const stats = await json('stats');
      const received = stats.segmentsReceived + '/' + stats.segmentsStored + '/' + stats.segmentsEvicted;
      if (generation !== current.generation) return;
      if (received === current.received) {
        markLive();
        return;
      }
      current.received = received;
    }
    data = await view.load(route);
  } catch (err) {
    if (generation !== current.generation) return;
    if (err && err.status) {
      // The collector answered: say what is wrong where the view would be.
      markLive();
      current.key = '';
      current.toolbar = null;
      main.replaceChildren(el('p', { class: 'err', id: 'view-error' }, err.message));
      return;
    }
    status.textContent = 'collector not reachable: ' + String(err && err.message ? err.message : err);
    status.className = 'status down';
    return;
  }
  if (generation !== current.generation) return;
  markLive();
  updateNav(data.nav);
  const signature = JSON.stringify([location.hash, data]);
  if (!force && key === current.key && signature === current.signature) return;
  if (key !== current.key || !current.toolbar) {
    setActiveTab(viewName);
    current.toolbar = el('div', { class: 'toolbar' });
    current.content = el('div', { class: 'content' });
    main.replaceChildren(current.toolbar, current.content);
  }
  current.key = key;
  current.signature = signature;
  if (view.toolbar) view.toolbar(current.toolbar, data, route);
  current.content.replaceChildren(view.render(data, route));
}

function markLive() {
  status.textContent = 'live · updated ' + time(Date.now()).slice(0, 8);
  status.className = 'status live';
}

// Counts in the tabs, from what every view loads anyway.
function updateNav(nav) {
  if (!nav) return;
  const count = document.getElementById('violation-count');
  count.textContent = nav.violations ? String(nav.violations) : '';
  count.hidden = !nav.violations;
}

function navFrom(violations) {
  return { violations: violations.length };
}
`;
