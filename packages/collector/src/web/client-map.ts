/**
 * The service map as the OAP would draw it: nodes in columns by call depth (User first), edges with
 * their components and detect points, failed calls in red; an edge or a service opens its traces.
 */
export const CLIENT_MAP = String.raw`
const NODE_KINDS = {
  GENERAL: { kind: 'service', icon: 'S', label: 'service' },
  UNDEFINED: { kind: 'user', icon: 'U', label: 'user' },
  VIRTUAL_DATABASE: { kind: 'database', icon: 'DB', label: 'database' },
  VIRTUAL_CACHE: { kind: 'cache', icon: 'C', label: 'cache' },
  VIRTUAL_MQ: { kind: 'mq', icon: 'MQ', label: 'message queue' },
  FAAS: { kind: 'faas', icon: 'λ', label: 'function' },
};
const COLUMN_GAP = 200;
const ROW_GAP = 120;
const RADIUS = 24;

function mapNodes(edges) {
  const nodes = new Map();
  const add = (name, layer) => {
    if (!nodes.has(name)) nodes.set(name, { name, layer, rank: 0, row: 0 });
    else if (nodes.get(name).layer === 'UNDEFINED') nodes.get(name).layer = layer;
  };
  for (const e of edges) {
    add(e.source, e.sourceLayer);
    add(e.target, e.targetLayer);
  }
  // Longest path from the callers, bounded by the node count so that cycles end.
  const limit = nodes.size;
  for (let round = 0; round < limit; round++) {
    let moved = false;
    for (const e of edges) {
      const s = nodes.get(e.source);
      const t = nodes.get(e.target);
      if (s !== t && t.rank < s.rank + 1 && s.rank + 1 < limit) {
        t.rank = s.rank + 1;
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = new Map();
  for (const n of nodes.values()) {
    const column = columns.get(n.rank) || [];
    n.row = column.length;
    column.push(n);
    columns.set(n.rank, column);
  }
  return { nodes, columns };
}

function nodeKind(layer) {
  return NODE_KINDS[layer] || { kind: 'other', icon: '?', label: String(layer).toLowerCase() };
}

function short(text, max) {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function drawMap(edges) {
  const { nodes, columns } = mapNodes(edges);
  const height = Math.max(...[...columns.values()].map((c) => c.length), 1);
  const pos = (n) => {
    const column = columns.get(n.rank);
    const offset = ((height - column.length) * ROW_GAP) / 2;
    return { x: 90 + n.rank * COLUMN_GAP, y: 70 + offset + n.row * ROW_GAP };
  };
  const width = 180 + (columns.size - 1) * COLUMN_GAP;
  const tall = height * ROW_GAP + 70;
  const root = svg('svg', { id: 'service-map', viewBox: '0 0 ' + width + ' ' + tall, width, height: tall, role: 'img', 'aria-label': 'service map' },
    svg('defs', {},
      svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' })),
      svg('marker', { id: 'arrow-error', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow error' }))));
  const edgeLayer = svg('g', { class: 'edges' });
  const nodeLayer = svg('g', { class: 'nodes' });
  root.append(edgeLayer, nodeLayer);
  for (const e of edges) {
    const a = pos(nodes.get(e.source));
    const b = pos(nodes.get(e.target));
    let d;
    let mid;
    if (e.source === e.target) {
      d = 'M ' + (a.x - 10) + ' ' + (a.y - RADIUS) + ' C ' + (a.x - 50) + ' ' + (a.y - 90) + ' ' + (a.x + 50) + ' ' + (a.y - 90) + ' ' + (a.x + 10) + ' ' + (a.y - RADIUS);
      mid = { x: a.x, y: a.y - 80 };
    } else if (b.x - a.x === COLUMN_GAP) {
      const x1 = a.x + RADIUS;
      const x2 = b.x - RADIUS;
      const c = (x2 - x1) / 2;
      d = 'M ' + x1 + ' ' + a.y + ' C ' + (x1 + c) + ' ' + a.y + ' ' + (x2 - c) + ' ' + b.y + ' ' + x2 + ' ' + b.y;
      mid = { x: (x1 + x2) / 2, y: (a.y + b.y) / 2 };
    } else {
      // A call that skips columns, goes back or stays in one: an arc below, clear of the nodes between.
      const dip = Math.max(a.y, b.y) + ROW_GAP * (b.x > a.x ? 0.7 : 0.85);
      const side = b.x >= a.x ? 1 : -1;
      const off = RADIUS * 0.7;
      d = 'M ' + (a.x + side * off) + ' ' + (a.y + off) + ' C ' + (a.x + side * 50) + ' ' + dip + ' ' + (b.x - side * 50) + ' ' + dip + ' ' + (b.x - side * off) + ' ' + (b.y + off);
      mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 + (dip - Math.max(a.y, b.y)) * 0.75 + (Math.max(a.y, b.y) - (a.y + b.y) / 2) };
    }
    const failed = e.errorCalls > 0;
    const components = [...new Set(e.sourceComponents.concat(e.targetComponents))].join(' / ') || 'no component';
    const seen = e.detectPoints.slice().sort().join('+');
    const title = e.source + ' → ' + e.target + '\n' + components + '\nseen by ' + seen + ' · ' + e.calls + ' call(s)' + (failed ? ' · ' + e.errorCalls + ' failed' : '');
    const group = svg('g', { class: failed ? 'edge error' : 'edge', 'data-source': e.source, 'data-target': e.target, tabindex: '0', role: 'link' },
      svg('title', {}, title),
      svg('path', { d, class: 'hit' }),
      svg('path', { d, class: 'line', 'marker-end': failed ? 'url(#arrow-error)' : 'url(#arrow)' }),
      svg('text', { x: mid.x, y: mid.y - 7, class: 'edge-label' }, short(components, 34)),
      svg('text', { x: mid.x, y: mid.y + 16, class: 'edge-label meta' }, seen + (failed ? ' · ✗ ' + e.errorCalls + ' failed' : '')));
    const open = () => { location.hash = hashLink('traces', { source: e.source, target: e.target }); };
    group.addEventListener('click', open);
    group.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') open(); });
    edgeLayer.append(group);
  }
  for (const n of nodes.values()) {
    const p = pos(n);
    const k = nodeKind(n.layer);
    const group = svg('g', { class: 'node ' + k.kind, 'data-node': n.name, transform: 'translate(' + p.x + ',' + p.y + ')' },
      svg('title', {}, n.name + ' (' + k.label + ')'),
      svg('circle', { r: RADIUS }),
      svg('text', { class: 'icon', y: 5 }, k.icon),
      svg('text', { class: 'name', y: RADIUS + 16 }, short(n.name, 30)));
    if (n.layer === 'GENERAL') {
      group.setAttribute('tabindex', '0');
      group.setAttribute('role', 'link');
      const open = () => { location.hash = hashLink('traces', { service: n.name }); };
      group.addEventListener('click', open);
      group.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') open(); });
    }
    nodeLayer.append(group);
  }
  return root;
}

VIEWS.map = {
  fromSegmentsOnly: true,

  async load() {
    const [edges, violations] = await Promise.all([json('topology?traces=true'), json('violations')]);
    return { edges, nav: navFrom(violations) };
  },

  render(data) {
    const { edges } = data;
    if (edges.length === 0) return el('p', { class: 'meta' }, 'no edges yet: send some segments');
    const rows = edges.map((e) =>
      el('tr', { class: e.errorCalls > 0 ? 'error' : '' },
        el('td', {}, e.source, el('span', { class: 'meta' }, ' ' + e.sourceLayer)),
        el('td', {}, e.target, el('span', { class: 'meta' }, ' ' + e.targetLayer)),
        el('td', {}, e.sourceComponents.join(', ')),
        el('td', {}, e.targetComponents.join(', ')),
        el('td', {}, e.detectPoints.slice().sort().join('+')),
        el('td', { class: 'num' }, e.calls),
        el('td', { class: 'num' }, e.errorCalls || ''),
        el('td', {}, el('a', { href: hashLink('traces', { source: e.source, target: e.target }) }, e.traceIds.length + ' trace(s)'))));
    return el('div', {},
      el('h2', {}, edges.length + ' edges'),
      el('p', { class: 'meta' }, 'As the OAP would draw it. Click an edge or a service for its traces. Red: calls that failed.'),
      el('div', { class: 'map-frame' }, drawMap(edges)),
      el('table', { id: 'edges' },
        el('thead', {}, el('tr', {}, ...['source', 'target', 'client component', 'server component', 'seen by', 'calls', 'failed', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows)));
  },
};
`;
