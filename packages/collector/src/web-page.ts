/**
 * The collector's web view: the trace list and a waterfall of one trace (services, spans,
 * durations, errors, tags). One self-contained page that reads the JSON API; every value from the
 * network goes into the page as text (textContent), never as markup.
 */
import { COMPONENT_NAMES } from '@otel-skywalking/core';

const SCRIPT = String.raw`
const COMPONENTS = __COMPONENTS__;
const TYPES = ['Entry', 'Exit', 'Local'];
const LAYERS = ['Unknown', 'Database', 'RPCFramework', 'Http', 'MQ', 'Cache', 'FAAS'];
const main = document.getElementById('main');

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

async function json(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(path + ': ' + res.status);
  return res.json();
}

async function showList() {
  const traces = (await json('traces')).slice().reverse();
  const rows = traces.map((t) =>
    el('tr', { class: t.isError ? 'trace error' : 'trace', 'data-trace-id': t.traceId },
      el('td', {}, new Date(t.startTime).toLocaleTimeString()),
      el('td', {}, el('a', { href: '#/trace/' + encodeURIComponent(t.traceId) }, t.endpoint || '(no endpoint)')),
      el('td', {}, t.services.join(', ')),
      el('td', { class: 'num' }, t.segmentCount),
      el('td', { class: 'num' }, t.spanCount),
      el('td', { class: 'num' }, t.durationMs + ' ms'),
      el('td', {}, t.isError ? '✗ error' : ''),
    ));
  main.replaceChildren(
    el('h2', {}, traces.length + ' traces'),
    el('table', { id: 'traces' },
      el('thead', {}, el('tr', {}, ...['time', 'endpoint', 'services', 'segments', 'spans', 'duration', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...rows)),
  );
}

function flatten(nodes, depth, out) {
  const sorted = nodes.slice().sort((a, b) => a.span.startTime - b.span.startTime);
  for (const node of sorted) {
    out.push({ node, depth });
    flatten(node.children, depth + 1, out);
  }
  return out;
}

async function showTrace(id) {
  const [trace, violations] = await Promise.all([json('traces/' + encodeURIComponent(id)), json('violations?traceId=' + encodeURIComponent(id))]);
  const total = Math.max(1, trace.endTime - trace.startTime);
  const rows = flatten(trace.roots, 0, []).map(({ node, depth }) => {
    const s = node.span;
    const left = ((s.startTime - trace.startTime) / total) * 100;
    const width = Math.max(0.5, ((s.endTime - s.startTime) / total) * 100);
    const tags = el('details', {}, el('summary', {}, 'tags'),
      el('dl', {}, ...s.tags.flatMap((t) => [el('dt', {}, t.key), el('dd', {}, t.value)])));
    const label = el('div', { class: 'label', style: 'padding-left:' + depth * 14 + 'px' },
      el('span', { class: 'service' }, node.service), ' ',
      el('span', { class: 'op' }, s.operationName), ' ',
      el('span', { class: 'meta' }, TYPES[s.spanType] + ' · ' + LAYERS[s.spanLayer] + ' · ' + (COMPONENTS[s.componentId] || '#' + s.componentId) + (s.peer ? ' · ' + s.peer : '')),
      s.isError ? el('span', { class: 'err' }, ' ✗') : '',
      s.tags.length ? tags : '');
    const bar = el('div', { class: 'track' }, el('div', { class: s.isError ? 'bar error' : 'bar', style: 'left:' + left + '%;width:' + width + '%' }));
    const duration = el('div', { class: 'dur' }, s.endTime - s.startTime + ' ms');
    return el('div', { class: s.isError ? 'span error' : 'span', 'data-span-key': node.key }, label, bar, duration);
  });
  main.replaceChildren(
    el('p', {}, el('a', { href: '#/' }, '← all traces')),
    el('h2', {}, trace.endpoint || trace.traceId),
    el('p', { class: 'meta' }, 'trace ' + trace.traceId + ' · ' + trace.services.join(', ') + ' · ' + trace.segments.length + ' segments · ' + trace.spanCount + ' spans · ' + trace.durationMs + ' ms'),
    el('div', { id: 'waterfall' }, ...rows),
    violations.length ? el('ul', { id: 'violations' }, ...violations.map((v) => el('li', {}, v.severity + ' ' + v.rule + ': ' + v.message))) : '',
  );
}

async function render() {
  const match = /^#\/trace\/(.+)$/.exec(location.hash);
  try {
    if (match) await showTrace(decodeURIComponent(match[1]));
    else await showList();
  } catch (err) {
    main.replaceChildren(el('p', { class: 'err' }, String(err)));
  }
}

window.addEventListener('hashchange', render);
render();
setInterval(() => { if (!location.hash.startsWith('#/trace/')) render(); }, 3000);
`;

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2530; }
header { background: #1f4e79; color: #fff; padding: 10px 20px; font-weight: 600; }
main { padding: 10px 20px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e7ec; }
td.num { text-align: right; }
tr.error td, .err { color: #c0392b; }
.meta { color: #5b6775; font-size: 12px; }
.span { display: grid; grid-template-columns: 52% 40% 8%; border-bottom: 1px solid #eef1f4; padding: 3px 0; }
.service { font-weight: 600; }
.track { position: relative; height: 18px; }
.bar { position: absolute; top: 4px; height: 10px; background: #3b82c4; border-radius: 2px; }
.bar.error { background: #c0392b; }
.dur { text-align: right; font-size: 12px; color: #5b6775; }
details { display: inline; margin-left: 6px; font-size: 12px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0 10px; margin: 4px 0 4px 20px; }
dt { color: #5b6775; }
dd { margin: 0; word-break: break-all; }
`;

/** The page, with the component names the OAP shows. */
export function webPage(): string {
  const script = SCRIPT.replace('__COMPONENTS__', JSON.stringify(COMPONENT_NAMES));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>otel-skywalking collector</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><header>otel-skywalking collector: what the OAP would see</header><main id="main">loading…</main>
<script>${script}</script></body></html>`;
}
