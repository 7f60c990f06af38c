/**
 * The collector's data as JSON over HTTP (GET only), and the web view: `/` answers browsers
 * (Accept: text/html) with the page and everything else with the list of endpoints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SegmentObject } from '@otel-skywalking/core/protocol';
import { VALIDATION_RULES } from './rules';
import { buildTracedTopology } from './topology-builder';
import { formatTrace } from './trace-format';
import { webPage } from './web/page';
import type { LogFilter } from './log-store';
import type { InstanceMeters, MeterFilter, MeterProblem, MeterStats } from './meter-store';
import type {
  CollectorStats,
  InstanceInfo,
  StoredLog,
  TopologyEdge,
  Trace,
  TraceSummary,
  Violation,
  ViolationFilter,
  ViolationSeverity,
} from './types';

/** What the HTTP API reads: SkyWalkingCollector's queries (declared here so the API does not import the collector). */
export interface CollectorQueries {
  segments(): SegmentObject[];
  trace(traceId: string): Trace | undefined;
  traceSummaries(): TraceSummary[];
  instances(): InstanceInfo[];
  meters(filter?: MeterFilter): InstanceMeters[];
  meterProblems(): MeterProblem[];
  meterStats(): MeterStats;
  violations(filter?: ViolationFilter): Violation[];
  logs(filter?: LogFilter): StoredLog[];
  topology(): TopologyEdge[];
  getStats(): CollectorStats;
}

const ENDPOINTS = [
  'GET / (a browser: the web view) or /index.html',
  'GET /traces?service=&endpoint=&error=true&minDuration=&source=&target=&limit=',
  'GET /traces/:traceId',
  'GET /traces/:traceId/text?tags=true&logs=true',
  'GET /segments',
  'GET /instances',
  'GET /violations?traceId=&severity=error|warning',
  'GET /logs?traceId=&segmentId=&service=&limit=',
  'GET /topology?traces=true',
  'GET /rules',
  'GET /stats',
  'GET /meters?service=&instance=',
  'GET /meters/problems',
];

type Reply =
  | { status: number; body: unknown; text?: false }
  | { status: number; body: string; text: true; contentType?: string };

export class CollectorHttpApi {
  private readonly server: Server;

  constructor(private readonly collector: CollectorQueries) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => {
        reject(new Error(`SkyWalkingCollector: cannot listen for HTTP on ${host}:${port}: ${err.message}`, { cause: err }));
      };
      this.server.once('error', failed);
      this.server.listen(port, host, () => {
        this.server.off('error', failed);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://collector');
      const wantsPage = url.pathname === '/index.html' || (url.pathname === '/' && (req.headers.accept ?? '').includes('text/html'));
      if (req.method !== 'GET') reply = { status: 405, body: { error: 'only GET is served' } };
      else if (wantsPage) reply = { status: 200, body: webPage(), text: true, contentType: 'text/html; charset=utf-8' };
      else reply = this.route(url);
    } catch (err) {
      reply = { status: 500, body: { error: err instanceof Error ? err.message : String(err) } };
    }
    let payload: string;
    try {
      payload = reply.text === true ? reply.body : JSON.stringify(reply.body);
    } catch {
      // A pathologically deep trace can exceed JSON.stringify's recursion limit.
      reply = { status: 500, body: { error: 'could not serialize the response' } };
      payload = JSON.stringify(reply.body);
    }
    res.writeHead(reply.status, {
      'content-type': reply.text === true ? (reply.contentType ?? 'text/plain; charset=utf-8') : 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(payload);
  }

  private route(url: URL): Reply {
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    } catch {
      return { status: 400, body: { error: 'malformed URL escape' } };
    }
    const q = url.searchParams;
    const c = this.collector;
    if (parts.length === 0) return { status: 200, body: { name: '@otel-skywalking/collector', endpoints: ENDPOINTS } };
    const [head, id, sub] = parts;
    switch (head) {
      case 'traces': {
        if (id === undefined) {
          let list = c.traceSummaries();
          const service = q.get('service');
          if (service !== null) list = list.filter((t) => t.services.includes(service));
          const endpoint = q.get('endpoint');
          if (endpoint !== null) list = list.filter((t) => t.endpoint === endpoint);
          if (q.get('error') === 'true') list = list.filter((t) => t.isError);
          const minDuration = Number(q.get('minDuration'));
          if (minDuration > 0) list = list.filter((t) => t.durationMs >= minDuration);
          const source = q.get('source');
          const target = q.get('target');
          if (source !== null && target !== null) {
            const edge = buildTracedTopology(c.segments()).find((e) => e.source === source && e.target === target);
            const through = new Set(edge?.traceIds);
            list = list.filter((t) => through.has(t.traceId));
          }
          const limit = Number(q.get('limit'));
          if (Number.isInteger(limit) && limit > 0) list = list.slice(-limit);
          return { status: 200, body: list };
        }
        const trace = c.trace(id);
        if (trace === undefined) return { status: 404, body: { error: `no trace ${id}` } };
        if (sub === 'text') {
          const text = formatTrace(trace, {
            tags: q.get('tags') === 'true',
            logs: q.get('logs') === 'true',
            violations: c.violations({ traceId: id }),
          });
          return { status: 200, body: text, text: true };
        }
        return sub === undefined ? { status: 200, body: trace } : { status: 404, body: { error: 'not found' } };
      }
      case 'segments':
        return { status: 200, body: c.segments() };
      case 'instances':
        return { status: 200, body: c.instances() };
      case 'violations': {
        const severity = q.get('severity');
        return {
          status: 200,
          body: c.violations({
            traceId: q.get('traceId') ?? undefined,
            severity: severity === 'error' || severity === 'warning' ? (severity as ViolationSeverity) : undefined,
          }),
        };
      }
      case 'logs': {
        const limit = Number(q.get('limit'));
        const filter = { traceId: q.get('traceId') ?? undefined, segmentId: q.get('segmentId') ?? undefined, service: q.get('service') ?? undefined };
        return { status: 200, body: { logs: c.logs({ ...filter, limit: Number.isInteger(limit) && limit > 0 ? limit : undefined }) } };
      }
      case 'topology':
        return { status: 200, body: q.get('traces') === 'true' ? buildTracedTopology(c.segments()) : c.topology() };
      case 'rules':
        return { status: 200, body: Object.entries(VALIDATION_RULES).map(([rule, r]) => ({ rule, ...r })) };
      case 'stats':
        return { status: 200, body: c.getStats() };
      case 'meters':
        if (id === 'problems') return { status: 200, body: { problems: c.meterProblems(), stats: c.meterStats() } };
        if (id !== undefined) return { status: 404, body: { error: 'not found' } };
        return { status: 200, body: { instances: c.meters({ service: q.get('service') ?? undefined, instance: q.get('instance') ?? undefined }) } };
      default:
        return { status: 404, body: { error: 'not found', endpoints: ENDPOINTS } };
    }
  }
}
