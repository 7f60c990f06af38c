/**
 * SkyWalkingCollector: a local stand-in for the OAP. It receives segments over the real gRPC
 * protocol, stores them (bounded), checks them against the rules the OAP relies on, links them into
 * traces and derives the topology the OAP would draw.
 */
import { formatHostPort, OAP_MAX_MESSAGE_BYTES, ThrottledDiag } from '@otel-skywalking/core';
import type { InstancePingPkg, InstanceProperties, MeterData, SegmentObject } from '@otel-skywalking/core/protocol';
import { CollectorTimeoutError } from './collector-timeout-error';
import { FinishedTraceWatcher } from './finished-trace-watcher';
import { GrpcReceiver } from './grpc-receiver';
import { CollectorHttpApi } from './http-api';
import { InstanceRegistry } from './instance-registry';
import { checkLogContexts, validateLog } from './log-checks';
import { addLogReportService } from './log-receiver';
import { LogStore, toStoredLog, type LogFilter } from './log-store';
import { MeterStore, type InstanceMeters, type MeterFilter, type MeterProblem, type MeterStats } from './meter-store';
import { checkReferences } from './reference-checks';
import { SegmentStore } from './segment-store';
import { validateSegment, violation } from './segment-validator';
import { buildTopology } from './topology-builder';

import { buildTrace, summarize } from './trace-builder';
import type {
  CollectorAddresses,
  CollectorOptions,
  CollectorStats,
  InstanceInfo,
  TopologyEdge,
  Trace,
  StoredLog,
  TraceSummary,
  Violation,
  ViolationFilter,
} from './types';

/** A value waitFor treats as "not yet". */
type Falsy = false | 0 | '' | null | undefined;

interface Waiter {
  check(): void;
  fail(err: Error): void;
}

const WAIT_POLL_MS = 100;

const DEFAULTS = {
  host: '127.0.0.1',
  grpcPort: 0,
  maxSegments: 10_000,
  maxStoredBytes: 256 * 1024 * 1024,
  maxMessageBytes: OAP_MAX_MESSAGE_BYTES,
  maxConcurrentStreams: 100,
  streamIdleTimeoutMillis: 120_000,
  maxInstances: 1000,
  maxLogs: 10_000,
  traceQuietMillis: 2000,
};

function checkInt(name: string, value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`SkyWalkingCollector: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export class SkyWalkingCollector {
  private readonly host: string;
  private readonly grpcPort: number;
  private readonly httpPort: number | false;
  private readonly store: SegmentStore;
  private readonly registry: InstanceRegistry;
  private readonly meterStore: MeterStore;
  private readonly receiver: GrpcReceiver;
  private readonly watcher: FinishedTraceWatcher | undefined;
  private readonly onTraceFinished: CollectorOptions['onTraceFinished'];
  private readonly violationsByRule: Record<string, number> = {};
  private readonly waiters = new Set<Waiter>();
  private readonly callbackFailures = new ThrottledDiag();
  private http: CollectorHttpApi | undefined;
  private bound: CollectorAddresses | undefined;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private segmentsReceived = 0;
  private readonly logStore: LogStore;
  private logsReceived = 0;
  private segmentsEvicted = 0;
  private checkScheduled = false;

  constructor(options: CollectorOptions = {}) {
    if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
      throw new TypeError('SkyWalkingCollector: host must be a non-empty string');
    }
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
      throw new TypeError('SkyWalkingCollector: token must be a non-empty string');
    }
    if (options.tls !== undefined && (options.tls.key === undefined || options.tls.cert === undefined)) {
      throw new TypeError('SkyWalkingCollector: tls needs both key and cert');
    }
    this.host = options.host ?? DEFAULTS.host;
    this.grpcPort = checkInt('grpcPort', options.grpcPort, 0, 65535, DEFAULTS.grpcPort);
    this.httpPort = options.httpPort === undefined || options.httpPort === false
      ? false
      : checkInt('httpPort', options.httpPort, 0, 65535, 0);
    const maxSegments = checkInt('maxSegments', options.maxSegments, 1, 10_000_000, DEFAULTS.maxSegments);
    const maxStoredBytes = checkInt('maxStoredBytes', options.maxStoredBytes, 1, Number.MAX_SAFE_INTEGER, DEFAULTS.maxStoredBytes);
    this.store = new SegmentStore(maxSegments, maxStoredBytes);
    const maxInstances = checkInt('maxInstances', options.maxInstances, 1, 1_000_000, DEFAULTS.maxInstances);
    this.registry = new InstanceRegistry(maxInstances);
    this.meterStore = new MeterStore(maxInstances);
    this.logStore = new LogStore(checkInt('maxLogs', options.maxLogs, 1, 10_000_000, DEFAULTS.maxLogs));
    const streamIdleTimeoutMillis = checkInt(
      options.streamIdleTimeoutMillis === undefined && options.streamIdleTimeoutMs !== undefined ? 'streamIdleTimeoutMs' : 'streamIdleTimeoutMillis',
      options.streamIdleTimeoutMillis ?? options.streamIdleTimeoutMs,
      1,
      0x7fffffff,
      DEFAULTS.streamIdleTimeoutMillis,
    );
    this.receiver = new GrpcReceiver(
      {
        token: options.token,
        tls: options.tls,
        maxMessageBytes: checkInt('maxMessageBytes', options.maxMessageBytes, 1, 0x7fffffff, DEFAULTS.maxMessageBytes),
        maxConcurrentStreams: checkInt('maxConcurrentStreams', options.maxConcurrentStreams, 1, 1_000_000, DEFAULTS.maxConcurrentStreams),
        streamIdleTimeoutMillis,
      },
      {
        onSegment: (segment, bytes) => this.receive(segment, bytes),
        onInstanceProperties: (report) => this.reported(report),
        onKeepAlive: (ping) => this.pinged(ping),
        onMeterReport: (report) => this.metered(report, options.onMeterReport),
        onCallChange: () => this.changed(),
        addServices: (server) =>
          addLogReportService(server, {
            onLog: (log) => this.receiveLog(toStoredLog(log)),
            onMalformed: () => this.receiver.counters.messagesMalformed++,
            streamIdleTimeoutMillis,
          }),
      },
    );
    this.onTraceFinished = options.onTraceFinished;
    if (options.onTraceFinished !== undefined) {
      const quietMillis = checkInt(
        options.traceQuietMillis === undefined && options.traceQuietMs !== undefined ? 'traceQuietMs' : 'traceQuietMillis',
        options.traceQuietMillis ?? options.traceQuietMs,
        1,
        0x7fffffff,
        DEFAULTS.traceQuietMillis,
      );
      this.watcher = new FinishedTraceWatcher(quietMillis, maxSegments, (traceId, revision) => this.finished(traceId, revision));
    }
  }

  /** Binds the gRPC port (and the HTTP port, if asked) and returns where they listen. */
  async start(): Promise<CollectorAddresses> {
    if (this.state !== 'new') throw new Error(`SkyWalkingCollector: start() called when ${this.state}`);
    this.state = 'starting';
    try {
      const grpcPort = await this.receiver.start(this.host, this.grpcPort);
      const addresses: CollectorAddresses = { grpc: formatHostPort(this.host, grpcPort) };
      if (this.httpPort !== false) {
        this.http = new CollectorHttpApi(this);
        const httpPort = await this.http.listen(this.host, this.httpPort);
        addresses.http = `http://${formatHostPort(this.host, httpPort)}`;
      }
      this.bound = addresses;
      this.state = 'started';
      return { ...addresses };
    } catch (err) {
      this.receiver.close();
      await this.http?.close();
      this.state = 'closed';
      throw err;
    }
  }

  /** The addresses start() returned; undefined before. */
  get addresses(): CollectorAddresses | undefined {
    return this.bound === undefined ? undefined : { ...this.bound };
  }

  /** Received segments still held, oldest first. */
  segments(): SegmentObject[] {
    return [...this.store.all()].map((entry) => entry.segment);
  }

  /** Every held trace, linked into trees, in the order their first segment arrived. */
  traces(): Trace[] {
    const out: Trace[] = [];
    for (const traceId of this.store.traceIds()) out.push(this.buildTrace(traceId));
    return out;
  }

  /** One trace, or undefined when none of its segments is held. */
  trace(traceId: string): Trace | undefined {
    return this.store.trace(traceId).length === 0 ? undefined : this.buildTrace(traceId);
  }

  /** One line per held trace. */
  traceSummaries(): TraceSummary[] {
    return this.traces().map(summarize);
  }

  /** Instances that called reportInstanceProperties or keepAlive. */
  instances(): InstanceInfo[] {
    return this.registry.list();
  }

  /** The latest meters per instance (MeterReportService), with their recent history. */
  meters(filter: MeterFilter = {}): InstanceMeters[] {
    return this.meterStore.list(filter);
  }

  /** The newest meter problems (what the OAP would reject or misread) and the meter counters. */
  meterProblems(): MeterProblem[] {
    return this.meterStore.problems();
  }

  meterStats(): MeterStats {
    return this.meterStore.getStats();
  }

  /**
   * Rules broken by the held segments: the checks of each segment on its own, then the checks of
   * refs whose parent segment is held too. In segment arrival order.
   */
  violations(filter: ViolationFilter = {}): Violation[] {
    const entries = filter.traceId === undefined ? [...this.store.all()] : this.store.trace(filter.traceId);
    const out: Violation[] = [];
    for (const entry of entries) out.push(...entry.violations);
    out.push(...checkReferences(entries.map((e) => e.segment), (id) => this.store.segment(id)));
    out.push(...checkLogContexts(this.logStore.list({ traceId: filter.traceId }), (id) => this.store.segment(id)));
    return filter.severity === undefined ? out : out.filter((v) => v.severity === filter.severity);
  }

  /** Received logs still held (LogReportService), oldest first; `limit` keeps the newest. */
  logs(filter: LogFilter = {}): StoredLog[] {
    return this.logStore.list(filter);
  }

  /** Service-to-service edges the OAP would draw from the held segments. */
  topology(): TopologyEdge[] {
    return buildTopology(this.segments());
  }

  /** The collector's counters (received, stored, evicted, refused calls, violations by rule, logs). */
  getStats(): CollectorStats {
    const c = this.receiver.counters;
    return {
      segmentsReceived: this.segmentsReceived,
      segmentsStored: this.store.size,
      segmentsEvicted: this.segmentsEvicted,
      storedBytes: this.store.storedBytes,
      bytesReceived: c.bytesReceived,
      messagesMalformed: c.messagesMalformed,
      callsUnauthenticated: c.callsUnauthenticated,
      callsOverLimit: c.callsOverLimit,
      callsAborted: c.callsAborted,
      callsStarted: c.callsStarted,
      callsActive: c.callsActive,
      streamsOpened: c.streamsOpened,
      streamsIdleTimedOut: c.streamsIdleTimedOut,
      collectInSyncCalls: c.collectInSyncCalls,
      propertiesReports: c.propertiesReports,
      keepAlives: c.keepAlives,
      instancesEvicted: this.registry.evicted,
      violationsByRule: { ...this.violationsByRule },
      logsReceived: this.logsReceived,
      logsStored: this.logStore.size,
      logsEvicted: this.logStore.evicted,
    };
  }

  /** @deprecated Use getStats() (the name every otel-skywalking package uses); kept as an alias. */
  stats(): CollectorStats {
    return this.getStats();
  }

  /**
   * Resolves with the first truthy value `predicate` returns, evaluated now, after every received
   * message, call start and call end, and every 100 ms; rejects with a CollectorTimeoutError after `timeoutMs`, or with what the predicate threw.
   * Example: `const trace = await collector.waitFor((c) => c.traces().find((t) => t.spanCount >= 3))`.
   */
  waitFor<T>(predicate: (collector: this) => T | Falsy, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.state === 'closed') {
        reject(new Error('SkyWalkingCollector: waitFor() after close()'));
        return;
      }
      const settle = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          let value: T | Falsy;
          try {
            value = predicate(this);
          } catch (err) {
            settle();
            reject(err);
            return;
          }
          if (value) {
            settle();
            resolve(value);
          }
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      };
      const timer = setTimeout(() => waiter.fail(new CollectorTimeoutError(this.describeTimeout(timeoutMs))), timeoutMs);
      timer.unref();
      // Also poll, for predicates on what no message changes (stats of closed calls, the clock).
      const poll = setInterval(() => waiter.check(), WAIT_POLL_MS);
      poll.unref();
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  /** Drops held segments, instances and finished-trace state. Counters in getStats() keep counting. */
  clear(): void {
    this.store.clear();
    this.registry.clear();
    this.logStore.clear();
    this.meterStore.clear();
    this.watcher?.clear();
  }

  /** Stops both servers at once (open calls are cancelled) and rejects pending waitFor calls. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.receiver.close();
    this.watcher?.clear();
    for (const waiter of [...this.waiters]) waiter.fail(new Error('SkyWalkingCollector closed while waiting'));
    await this.http?.close();
  }

  private buildTrace(traceId: string): Trace {
    return buildTrace(traceId, this.store.trace(traceId).map((entry) => entry.segment));
  }

  private receive(segment: SegmentObject, bytes: number): void {
    this.segmentsReceived++;
    const violations = validateSegment(segment);
    if (segment.traceSegmentId !== '' && this.store.has(segment.traceSegmentId)) {
      violations.push(violation('segment.duplicate-id', segment, undefined, `segment id ${segment.traceSegmentId} was received before`));
    }
    for (const v of violations) this.violationsByRule[v.rule] = (this.violationsByRule[v.rule] ?? 0) + 1;
    const { evicted } = this.store.add(segment, bytes, violations);
    this.segmentsEvicted += evicted.length;
    this.watcher?.arrived(segment.traceId);
    this.changed();
  }

  private receiveLog(log: StoredLog): void {
    this.logsReceived++;
    for (const v of validateLog(log)) this.violationsByRule[v.rule] = (this.violationsByRule[v.rule] ?? 0) + 1;
    this.logStore.add(log);
    this.changed();
  }

  private reported(report: InstanceProperties): void {
    this.registry.reportProperties(report);
    this.changed();
  }

  private pinged(ping: InstancePingPkg): void {
    this.registry.keepAlive(ping);
    this.changed();
  }

  private metered(report: MeterData[], onMeterReport: CollectorOptions['onMeterReport']): void {
    this.meterStore.receive(report, (service, instance) => this.registry.has(service, instance));
    this.changed();
    const head = report[0];
    if (onMeterReport === undefined || head?.service === undefined || head.serviceInstance === undefined) return;
    const [meters] = this.meterStore.list({ service: head.service, instance: head.serviceInstance });
    if (meters === undefined) return;
    try {
      onMeterReport(meters);
    } catch (err) {
      this.callbackFailures.error('onMeterReport', 'collector: onMeterReport threw', err);
    }
  }

  private finished(traceId: string, revision: number): void {
    if (this.store.trace(traceId).length === 0 || this.onTraceFinished === undefined) return;
    try {
      this.onTraceFinished(this.buildTrace(traceId), { revision });
    } catch (err) {
      this.callbackFailures.error('onTraceFinished', 'collector: onTraceFinished threw', err);
    }
  }

  /** Re-checks waiters once per turn of the event loop, however many messages arrived in it. */
  private changed(): void {
    if (this.checkScheduled || this.waiters.size === 0) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      for (const waiter of [...this.waiters]) waiter.check();
    });
  }

  private describeTimeout(timeoutMs: number): string {
    const traces = [...this.store.traceIds()].length;
    const violations = this.violations();
    const first = violations.slice(0, 3).map((v) => `${v.rule} (${v.service} ${v.segmentId}${v.spanId === undefined ? '' : `/${v.spanId}`}): ${v.message}`);
    return (
      `waitFor: condition not met within ${timeoutMs} ms; holding ${this.store.size} segments in ${traces} traces, ` +
      `${this.registry.list().length} instances, ${violations.length} violations` +
      (first.length > 0 ? `; first: ${first.join('; ')}` : '')
    );
  }
}
