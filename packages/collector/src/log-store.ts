/**
 * Received logs in arrival order, bounded by a count: the oldest go first, and every eviction is
 * counted. Each is kept in the shape GET /logs returns.
 */
import type { LogData } from '@otel-skywalking/core/protocol';
import type { StoredLog } from './types';

/** The tag SkyWalking's agents put a log's severity in. */
const LEVEL_TAG = 'level';

/** One log as the API shows it: the body as its text (or JSON, or YAML), tags as an object. */
export function toStoredLog(log: LogData): StoredLog {
  const tags: Record<string, string> = {};
  for (const { key, value } of log.tags?.data ?? []) tags[key] = value;
  const body = log.body;
  const context = log.traceContext;
  return {
    service: log.service,
    instance: log.serviceInstance,
    endpoint: log.endpoint,
    timestamp: Number(log.timestamp),
    level: tags[LEVEL_TAG] ?? '',
    body: body?.text?.text ?? body?.json?.json ?? body?.yaml?.yaml ?? '',
    tags,
    traceContext:
      context === undefined || context === null || (context.traceId === '' && context.traceSegmentId === '')
        ? null
        : { traceId: context.traceId, traceSegmentId: context.traceSegmentId, spanId: context.spanId },
  };
}

export interface LogFilter {
  traceId?: string;
  segmentId?: string;
  service?: string;
  /** The newest this many. */
  limit?: number;
}

export class LogStore {
  private entries: StoredLog[] = [];
  private start = 0;
  evicted = 0;

  constructor(private readonly maxLogs: number) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  add(log: StoredLog): void {
    this.entries.push(log);
    if (this.size > this.maxLogs) {
      this.start++;
      this.evicted++;
      // Compact once the evicted head is as long as the rest: amortized O(1) per log.
      if (this.start * 2 >= this.entries.length) {
        this.entries = this.entries.slice(this.start);
        this.start = 0;
      }
    }
  }

  list(filter: LogFilter = {}): StoredLog[] {
    const out: StoredLog[] = [];
    for (let i = this.start; i < this.entries.length; i++) {
      const log = this.entries[i];
      if (filter.service !== undefined && log.service !== filter.service) continue;
      if (filter.traceId !== undefined && log.traceContext?.traceId !== filter.traceId) continue;
      if (filter.segmentId !== undefined && log.traceContext?.traceSegmentId !== filter.segmentId) continue;
      out.push(log);
    }
    return filter.limit !== undefined && filter.limit > 0 ? out.slice(-filter.limit) : out;
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
  }
}
