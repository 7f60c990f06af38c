/**
 * The violations panel (each finding with the OAP behaviour behind its rule) and the instances
 * view (properties from the ManagementService and, when the collector serves `/meters`, a sparkline
 * per meter).
 */
export const CLIENT_PANELS = String.raw`
VIEWS.violations = {
  fromSegmentsOnly: true,

  async load(route) {
    const severity = route.params.get('severity');
    const [all, rules] = await Promise.all([json('violations'), json('rules')]);
    const shown = severity ? all.filter((v) => v.severity === severity) : all;
    return { violations: shown, total: all.length, rules, nav: navFrom(all) };
  },

  toolbar(bar, data, route) {
    if (!bar.firstChild) {
      const severity = el('select', { id: 'filter-severity', 'aria-label': 'severity' },
        el('option', { value: '' }, 'all severities'), el('option', { value: 'error' }, 'errors'), el('option', { value: 'warning' }, 'warnings'));
      severity.addEventListener('change', () => { location.hash = hashLink('violations', { severity: severity.value }); });
      bar.append(el('label', {}, 'severity ', severity));
    }
    bar.querySelector('#filter-severity').value = route.params.get('severity') || '';
  },

  render(data) {
    const rules = ruleIndex(data.rules);
    if (data.total === 0) return el('div', {}, el('h2', {}, 'no violations'), el('p', { class: 'meta' }, 'Everything received follows the rules the OAP relies on.'));
    const rows = data.violations.map((v) => {
      const rule = rules[v.rule];
      const spanKey = v.spanId === undefined ? undefined : v.segmentId + 'S' + v.spanId;
      return el('tr', { class: 'violation ' + v.severity, 'data-rule': v.rule },
        el('td', {}, el('span', { class: 'sev ' + v.severity }, v.severity)),
        el('td', { title: rule ? rule.description : '' }, el('code', {}, v.rule)),
        el('td', {}, v.message),
        el('td', { class: 'oap' }, rule ? rule.oapBehaviour : ''),
        el('td', {}, v.service),
        el('td', {}, el('code', {}, v.segmentId), v.spanId === undefined ? '' : el('span', { class: 'meta' }, ' span ' + v.spanId)),
        el('td', {}, v.traceId ? el('a', { href: traceLink(v.traceId, spanKey) }, 'trace') : ''));
    });
    return el('div', {},
      el('h2', {}, (data.violations.length === data.total ? data.total : data.violations.length + ' of ' + data.total) + ' violations'),
      el('p', { class: 'meta' }, 'What the OAP would drop, misread or change in what was received.'),
      el('table', { id: 'violation-table' },
        el('thead', {}, el('tr', {}, ...['severity', 'rule', 'finding', 'what the OAP does', 'service', 'segment', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows)));
  },
};

function finite(n) {
  const v = Number(n);
  return Number.isFinite(v) ? v : null;
}

function formatValue(v) {
  if (v === null) return '–';
  const abs = Math.abs(v);
  if (abs >= 1e9) return (v / 1e9).toFixed(1) + 'G';
  if (abs >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (abs >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function sparkline(history) {
  const points = (Array.isArray(history) ? history : [])
    .map((p) => (Array.isArray(p) ? [finite(p[0]), finite(p[1])] : [null, null]))
    .filter((p) => p[0] !== null && p[1] !== null);
  const w = 160;
  const h = 36;
  const chart = svg('svg', { class: 'sparkline', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, 'data-points': points.length });
  if (points.length === 0) return chart;
  const t0 = Math.min(...points.map((p) => p[0]));
  const t1 = Math.max(...points.map((p) => p[0]));
  const v0 = Math.min(...points.map((p) => p[1]));
  const v1 = Math.max(...points.map((p) => p[1]));
  const x = (t) => (t1 === t0 ? w / 2 : 2 + ((t - t0) / (t1 - t0)) * (w - 4));
  const y = (v) => (v1 === v0 ? h / 2 : h - 3 - ((v - v0) / (v1 - v0)) * (h - 6));
  const coords = points.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
  chart.append(svg('polyline', { points: coords, class: 'line' }));
  const last = points[points.length - 1];
  chart.append(svg('circle', { cx: x(last[0]).toFixed(1), cy: y(last[1]).toFixed(1), r: 2.5, class: 'dot' }));
  return chart;
}

function histogram(buckets) {
  const list = (Array.isArray(buckets) ? buckets : []).map((b) => ({ bucket: finite(b.bucket), count: finite(b.count) || 0 })).filter((b) => b.bucket !== null);
  const w = 160;
  const h = 36;
  const chart = svg('svg', { class: 'histogram', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, 'data-buckets': list.length });
  const max = Math.max(1, ...list.map((b) => b.count));
  const bw = list.length ? w / list.length : w;
  list.forEach((b, i) => {
    const bh = (b.count / max) * (h - 4);
    chart.append(svg('rect', { x: (i * bw + 1).toFixed(1), y: (h - bh).toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: bh.toFixed(1) }, svg('title', {}, '≥ ' + b.bucket + ': ' + b.count)));
  });
  return chart;
}

function meterCard(m) {
  const labels = Object.entries(m.labels || {}).map(([k, v]) => k + '=' + v).join(', ');
  const history = Array.isArray(m.history) ? m.history : [];
  const latest = m.kind === 'histogram'
    ? (Array.isArray(m.buckets) ? m.buckets.reduce((sum, b) => sum + (finite(b.count) || 0), 0) + ' samples' : '')
    : formatValue(finite(m.value !== undefined ? m.value : (history.length ? history[history.length - 1][1] : null)));
  return el('div', { class: 'meter', 'data-meter': m.name },
    el('div', { class: 'meter-name' }, String(m.name)),
    labels ? el('div', { class: 'meta' }, labels) : '',
    m.kind === 'histogram' ? histogram(m.buckets) : '',
    history.length ? sparkline(history) : '',
    el('div', { class: 'meter-value' }, latest));
}

VIEWS.instances = {
  async load() {
    const [instances, meters, violations] = await Promise.all([json('instances'), optionalJson('meters'), json('violations')]);
    return { instances, meters: meters && Array.isArray(meters.instances) ? meters.instances : null, nav: navFrom(violations) };
  },

  render(data) {
    const key = (service, instance) => service + '\u0000' + instance;
    const rows = new Map();
    for (const i of data.instances) rows.set(key(i.service, i.serviceInstance), { service: i.service, instance: i.serviceInstance, info: i, meters: null });
    for (const m of data.meters || []) {
      const k = key(m.service, m.instance);
      const row = rows.get(k) || { service: m.service, instance: m.instance, info: null, meters: null };
      row.meters = m;
      rows.set(k, row);
    }
    if (rows.size === 0) return el('p', { class: 'meta' }, 'no instance has reported yet');
    const cards = [...rows.values()].sort((a, b) => (a.service + a.instance < b.service + b.instance ? -1 : 1)).map((row) => {
      const info = row.info;
      const facts = [];
      if (info) {
        facts.push('layer ' + (info.layer || 'GENERAL'));
        if (info.lastKeepAlive) facts.push('last keepAlive ' + time(info.lastKeepAlive) + ' (' + info.keepAlives + ')');
        if (info.propertiesReportedAt) facts.push('properties at ' + time(info.propertiesReportedAt));
      }
      if (row.meters && row.meters.lastReportAt) facts.push('meters at ' + time(row.meters.lastReportAt));
      const props = info ? Object.entries(info.properties) : [];
      const meters = row.meters && Array.isArray(row.meters.meters) ? row.meters.meters : [];
      return el('section', { class: 'instance', 'data-instance': row.instance },
        el('h3', {}, el('a', { href: hashLink('traces', { service: row.service }) }, row.service), ' · ', row.instance),
        el('p', { class: 'meta' }, facts.join(' · ')),
        props.length ? el('dl', { class: 'props' }, ...props.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])) : '',
        meters.length ? el('div', { class: 'meters' }, ...meters.map(meterCard)) : '');
    });
    return el('div', {}, el('h2', {}, rows.size + ' instances'), ...cards);
  },
};
`;
