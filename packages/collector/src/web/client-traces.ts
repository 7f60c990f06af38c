/**
 * The trace list with its filters (service, endpoint, errors only, minimum duration, an edge of the
 * map) and one trace as a waterfall, with each span's findings and, when the collector serves
 * `/logs`, its logs.
 */
export const CLIENT_TRACES = String.raw`
const TRACE_FILTERS = ['service', 'endpoint', 'errors', 'min', 'source', 'target'];

function traceQuery(params) {
  const q = new URLSearchParams();
  if (params.get('service')) q.set('service', params.get('service'));
  if (params.get('endpoint')) q.set('endpoint', params.get('endpoint'));
  if (params.get('errors') === '1') q.set('error', 'true');
  if (Number(params.get('min')) > 0) q.set('minDuration', params.get('min'));
  if (params.get('source') !== null && params.get('target') !== null) {
    q.set('source', params.get('source'));
    q.set('target', params.get('target'));
  }
  const s = q.toString();
  return 'traces' + (s ? '?' + s : '');
}

VIEWS.traces = {
  fromSegmentsOnly: true,

  async load(route) {
    const [all, shown, violations] = await Promise.all([json('traces'), json(traceQuery(route.params)), json('violations')]);
    const services = [...new Set(all.flatMap((t) => t.services))].sort();
    const endpoints = [...new Set(all.map((t) => t.endpoint).filter((e) => e !== ''))].sort();
    return { services, endpoints, total: all.length, traces: shown.slice().reverse(), violations, nav: navFrom(violations) };
  },

  toolbar(bar, data, route) {
    const params = route.params;
    const go = (changes) => {
      const next = {};
      for (const k of TRACE_FILTERS) next[k] = params.get(k);
      Object.assign(next, changes);
      location.hash = hashLink('traces', next);
    };
    if (!bar.firstChild) {
      const service = el('select', { id: 'filter-service', 'aria-label': 'service' });
      const endpoint = el('select', { id: 'filter-endpoint', 'aria-label': 'endpoint' });
      const errors = el('input', { type: 'checkbox', id: 'filter-errors' });
      const min = el('input', { type: 'number', id: 'filter-min', min: '0', step: '1', placeholder: '0', 'aria-label': 'minimum duration in ms' });
      service.addEventListener('change', () => go({ service: service.value }));
      endpoint.addEventListener('change', () => go({ endpoint: endpoint.value }));
      errors.addEventListener('change', () => go({ errors: errors.checked ? '1' : '' }));
      min.addEventListener('change', () => go({ min: min.value }));
      bar.append(
        el('label', {}, 'service ', service),
        el('label', {}, 'endpoint ', endpoint),
        el('label', {}, errors, ' errors only'),
        el('label', {}, 'min duration ', min, ' ms'),
        el('span', { id: 'filter-edge' }),
      );
    }
    setOptions(bar.querySelector('#filter-service'), data.services, params.get('service'), 'all services');
    setOptions(bar.querySelector('#filter-endpoint'), data.endpoints, params.get('endpoint'), 'all endpoints');
    bar.querySelector('#filter-errors').checked = params.get('errors') === '1';
    const min = bar.querySelector('#filter-min');
    if (document.activeElement !== min) min.value = params.get('min') || '';
    const edge = bar.querySelector('#filter-edge');
    if (params.get('source') !== null && params.get('target') !== null) {
      const clear = el('a', { href: hashLink('traces', { service: params.get('service'), endpoint: params.get('endpoint'), errors: params.get('errors'), min: params.get('min') }), title: 'show all edges' }, '✕');
      edge.replaceChildren(el('span', { class: 'chip' }, 'through ' + params.get('source') + ' → ' + params.get('target') + ' ', clear));
    } else {
      edge.replaceChildren();
    }
  },

  render(data) {
    const findings = violationsByTrace(data.violations);
    const rows = data.traces.map((t) =>
      el('tr', { class: t.isError ? 'trace error' : 'trace', 'data-trace-id': t.traceId },
        el('td', {}, time(t.startTime)),
        el('td', {}, el('a', { href: traceLink(t.traceId) }, t.endpoint || '(no endpoint)')),
        el('td', {}, t.services.join(', ')),
        el('td', { class: 'num' }, t.segmentCount),
        el('td', { class: 'num' }, t.spanCount),
        el('td', { class: 'num' }, t.durationMs + ' ms'),
        el('td', {}, t.isError ? el('span', { class: 'err' }, '✗ error') : '', t.fragments ? el('span', { class: 'meta' }, ' ' + t.fragments + ' fragment(s)') : ''),
        el('td', {}, badge(findings.get(t.traceId))),
      ));
    const shown = data.traces.length === data.total ? data.total + ' traces' : data.traces.length + ' of ' + data.total + ' traces';
    return el('div', {},
      el('h2', {}, shown),
      el('table', { id: 'traces' },
        el('thead', {}, el('tr', {}, ...['time', 'endpoint', 'services', 'segments', 'spans', 'duration', '', 'findings'].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows)),
      rows.length === 0 ? el('p', { class: 'meta' }, data.total === 0 ? 'no traces yet: point an agent or the exporter at the gRPC port' : 'no trace matches these filters') : '');
  },
};

function setOptions(select, values, selected, allLabel) {
  const wanted = [''].concat(values);
  if (selected && !wanted.includes(selected)) wanted.push(selected);
  const have = [...select.options].map((o) => o.value);
  if (have.join('\u0000') !== wanted.join('\u0000')) {
    select.replaceChildren(...wanted.map((v) => el('option', { value: v }, v === '' ? allLabel : v)));
  }
  select.value = selected || '';
}

function flatten(nodes, depth, out) {
  const sorted = nodes.slice().sort((a, b) => a.span.startTime - b.span.startTime);
  for (const node of sorted) {
    out.push({ node, depth });
    flatten(node.children, depth + 1, out);
  }
  return out;
}

function logKey(log) {
  return log.traceContext ? log.traceContext.traceSegmentId + 'S' + log.traceContext.spanId : '';
}

function logLine(log) {
  const tags = Object.entries(log.tags || {}).map(([k, v]) => k + '=' + v).join(' ');
  return el('li', { class: 'log level-' + String(log.level || '').toLowerCase() },
    el('span', { class: 'meta' }, time(log.timestamp) + ' '),
    el('span', { class: 'level' }, String(log.level || '')), ' ',
    el('span', { class: 'body' }, String(log.body)),
    tags ? el('span', { class: 'meta' }, '  ' + tags) : '');
}

VIEWS.trace = {
  async load(route) {
    const id = route.arg || '';
    const [trace, violations, all, rules, logs] = await Promise.all([
      json('traces/' + encodeURIComponent(id)),
      json('violations?traceId=' + encodeURIComponent(id)),
      json('violations'),
      json('rules'),
      optionalJson('logs?traceId=' + encodeURIComponent(id)),
    ]);
    return { trace, violations, rules, logs: logs && Array.isArray(logs.logs) ? logs.logs : null, nav: navFrom(all) };
  },

  render(data, route) {
    const { trace } = data;
    const rules = ruleIndex(data.rules);
    const highlight = route.params.get('span');
    const bySpan = new Map();
    for (const v of data.violations) {
      const key = v.segmentId + 'S' + (v.spanId === undefined ? 0 : v.spanId);
      bySpan.set(key, (bySpan.get(key) || []).concat(v));
    }
    const logsBySpan = new Map();
    const keys = new Set();
    const total = Math.max(1, trace.endTime - trace.startTime);
    const flat = flatten(trace.roots, 0, []);
    for (const { node } of flat) keys.add(node.key);
    const unlinked = [];
    for (const log of data.logs || []) {
      const key = logKey(log);
      if (keys.has(key)) logsBySpan.set(key, (logsBySpan.get(key) || []).concat(log));
      else unlinked.push(log);
    }
    const rows = [];
    for (const { node, depth } of flat) {
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
        badge(bySpan.get(node.key)),
        s.tags.length ? tags : '');
      const bar = el('div', { class: 'track' }, el('div', { class: s.isError ? 'bar error' : 'bar', style: 'left:' + left + '%;width:' + width + '%' }));
      const duration = el('div', { class: 'dur' }, s.endTime - s.startTime + ' ms');
      const classes = ['span'];
      if (s.isError) classes.push('error');
      if (highlight === node.key) classes.push('highlight');
      rows.push(el('div', { class: classes.join(' '), 'data-span-key': node.key }, label, bar, duration));
      const spanLogs = logsBySpan.get(node.key);
      if (spanLogs) {
        rows.push(el('ul', { class: 'span-logs', 'data-logs-for': node.key, style: 'margin-left:' + (depth * 14 + 16) + 'px' },
          ...spanLogs.sort((a, b) => a.timestamp - b.timestamp).map(logLine)));
      }
    }
    const findings = data.violations.map((v) =>
      el('li', { class: v.severity },
        el('strong', {}, v.severity + ' ' + v.rule), ' ',
        el('span', { class: 'meta' }, v.service + ' · segment ' + v.segmentId + (v.spanId === undefined ? '' : ' · span ' + v.spanId)), ': ',
        v.message,
        rules[v.rule] ? el('div', { class: 'meta' }, 'OAP: ' + rules[v.rule].oapBehaviour) : ''));
    const page = el('div', {},
      el('p', {}, el('a', { href: '#/traces' }, '← all traces'), ' · ',
        el('a', { href: 'traces/' + encodeURIComponent(trace.traceId) + '/text?tags=true&logs=true', target: '_blank', id: 'trace-text' }, 'as text'), ' · ',
        el('a', { href: 'traces/' + encodeURIComponent(trace.traceId), target: '_blank' }, 'JSON')),
      el('h2', {}, trace.endpoint || trace.traceId),
      el('p', { class: 'meta' }, 'trace ' + trace.traceId + ' · ' + trace.services.join(', ') + ' · ' + trace.segments.length + ' segments · ' + trace.spanCount + ' spans · ' + trace.durationMs + ' ms'),
      el('div', { id: 'waterfall' }, ...rows),
      findings.length ? el('div', {}, el('h3', {}, 'findings'), el('ul', { id: 'violations' }, ...findings)) : '',
      unlinked.length ? el('div', {}, el('h3', {}, 'logs of this trace not linked to a received span'), el('ul', { class: 'span-logs', id: 'unlinked-logs' }, ...unlinked.map(logLine))) : '');
    if (highlight) setTimeout(() => { const row = page.querySelector('.span.highlight'); if (row) row.scrollIntoView({ block: 'center' }); }, 0);
    return page;
  },
};
`;
