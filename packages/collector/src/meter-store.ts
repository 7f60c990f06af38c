/**
 * Meters received over MeterReportService: each report checked the way the OAP's MAL needs it
 * (names, label limits, a known instance), then the latest value of every series kept per instance
 * with a short history. Everything bounded: instances (least recently reported evicted first),
 * series per instance, points per series, problems remembered.
 */
import {
  isMeterName,
  MAX_METER_LABEL_VALUE_LENGTH,
  MAX_METER_LABELS,
  METER_NAME_PATTERN,
} from '@otel-skywalking/core';
import type { MeterData, MeterLabel } from '@otel-skywalking/core/protocol';

/** Points of history kept per series. */
export const METER_HISTORY_POINTS = 60;
/** Series (name + label set) kept per instance; new ones beyond it are refused and counted. */
export const MAX_SERIES_PER_INSTANCE = 1000;
/** Problems remembered (the newest). */
const MAX_PROBLEMS = 100;

export interface MeterBucket {
  bucket: number;
  count: number;
}

/** One series of an instance, as `GET /meters` serves it. */
export interface MeterSeries {
  name: string;
  labels: Record<string, string>;
  kind: 'single' | 'histogram';
  /** The latest value (single values). */
  value?: number;
  /** The latest buckets by lower bound, ascending; a bucket from negative infinity has bucket -Number.MAX_VALUE (JSON has no -Infinity). */
  buckets?: MeterBucket[];
  /** [report time ms, value] oldest first, at most METER_HISTORY_POINTS; a histogram's value is its total count. */
  history: Array<[number, number]>;
}

export interface InstanceMeters {
  service: string;
  instance: string;
  /** When the last report arrived (ms epoch). */
  lastReportAt: number;
  meters: MeterSeries[];
}

export type MeterRule =
  /** The report's first MeterData names no service or instance. */
  | 'meter.identity'
  /** A name MAL cannot use (letters, digits, `_`, not starting with a digit; at most 128). */
  | 'meter.name'
  /** More labels than MAX_METER_LABELS, a label key MAL cannot use, or a value longer than MAX_METER_LABEL_VALUE_LENGTH. */
  | 'meter.labels'
  /** NaN or infinite, a negative bucket count, or unordered buckets. */
  | 'meter.value'
  /** The instance never reported itself over the ManagementService (stored anyway: a warning). */
  | 'meter.instance-unknown'
  /** Beyond MAX_SERIES_PER_INSTANCE. */
  | 'meter.series-limit';

export interface MeterProblem {
  rule: MeterRule;
  service: string;
  instance: string;
  meter?: string;
  message: string;
}

export interface MeterStats {
  reports: number;
  metersReceived: number;
  metersRejected: number;
  instancesEvicted: number;
  problemsByRule: Partial<Record<MeterRule, number>>;
}

interface StoredInstance {
  service: string;
  instance: string;
  lastReportAt: number;
  series: Map<string, MeterSeries>;
}

export interface MeterFilter {
  service?: string;
  instance?: string;
}

function labelProblem(labels: MeterLabel[]): string | undefined {
  if (labels.length > MAX_METER_LABELS) return `${labels.length} labels (at most ${MAX_METER_LABELS})`;
  for (const { name, value } of labels) {
    if (!METER_NAME_PATTERN.test(name)) return `label key ${JSON.stringify(name)} is not a MAL identifier`;
    if (value.length > MAX_METER_LABEL_VALUE_LENGTH) return `label ${name} is ${value.length} characters (at most ${MAX_METER_LABEL_VALUE_LENGTH})`;
  }
  return undefined;
}

function seriesKey(name: string, labels: MeterLabel[]): string {
  const sorted = labels.map((l) => `${l.name}\u0001${l.value}`).sort();
  return `${name}\u0000${sorted.join('\u0000')}`;
}

export class MeterStore {
  private readonly instances = new Map<string, StoredInstance>();
  private readonly recent: MeterProblem[] = [];
  private readonly stats: MeterStats = { reports: 0, metersReceived: 0, metersRejected: 0, instancesEvicted: 0, problemsByRule: {} };

  constructor(private readonly maxInstances: number) {}

  /**
   * One report (a collect stream, or one MeterDataCollection): identity and timestamp from its
   * first MeterData. `known` says whether an instance reported over the ManagementService.
   */
  receive(report: MeterData[], known: (service: string, instance: string) => boolean): void {
    if (report.length === 0) return;
    this.stats.reports++;
    this.stats.metersReceived += report.length;
    const head = report[0];
    const service = head.service ?? '';
    const instance = head.serviceInstance ?? '';
    if (service === '' || instance === '') {
      this.problem({ rule: 'meter.identity', service, instance, message: 'the first MeterData of a report must carry service and serviceInstance; the OAP drops the report' });
      this.stats.metersRejected += report.length;
      return;
    }
    if (!known(service, instance)) {
      this.problem({ rule: 'meter.instance-unknown', service, instance, message: 'no reportInstanceProperties or keepAlive from this instance' });
    }
    const now = Date.now();
    const at = head.timestamp !== undefined && head.timestamp > 0 ? head.timestamp : now;
    const stored = this.touch(service, instance, now);
    for (const meter of report) {
      if (!this.store(stored, meter, at)) this.stats.metersRejected++;
    }
  }

  list(filter: MeterFilter = {}): InstanceMeters[] {
    const out: InstanceMeters[] = [];
    for (const stored of this.instances.values()) {
      if (filter.service !== undefined && stored.service !== filter.service) continue;
      if (filter.instance !== undefined && stored.instance !== filter.instance) continue;
      out.push({
        service: stored.service,
        instance: stored.instance,
        lastReportAt: stored.lastReportAt,
        meters: [...stored.series.values()].map((s) => ({
          ...s,
          labels: { ...s.labels },
          ...(s.buckets === undefined ? {} : { buckets: s.buckets.map((b) => ({ ...b })) }),
          history: s.history.map(([t, v]) => [t, v] as [number, number]),
        })),
      });
    }
    return out;
  }

  problems(): MeterProblem[] {
    return this.recent.map((p) => ({ ...p }));
  }

  getStats(): MeterStats {
    return { ...this.stats, problemsByRule: { ...this.stats.problemsByRule } };
  }

  clear(): void {
    this.instances.clear();
    this.recent.length = 0;
  }

  private touch(service: string, instance: string, now: number): StoredInstance {
    const key = `${service}\u0000${instance}`;
    let stored = this.instances.get(key);
    if (stored === undefined) stored = { service, instance, lastReportAt: now, series: new Map() };
    else this.instances.delete(key); // re-insert: Map order is least recently reported first
    stored.lastReportAt = now;
    this.instances.set(key, stored);
    while (this.instances.size > this.maxInstances) {
      this.instances.delete(this.instances.keys().next().value as string);
      this.stats.instancesEvicted++;
    }
    return stored;
  }

  private store(stored: StoredInstance, meter: MeterData, at: number): boolean {
    const { service, instance } = stored;
    const single = meter.singleValue ?? undefined;
    const histogram = meter.histogram ?? undefined;
    const body = single ?? histogram;
    if (body === undefined) {
      this.problem({ rule: 'meter.value', service, instance, message: 'a MeterData with neither singleValue nor histogram' });
      return false;
    }
    const fail = (rule: MeterRule, message: string): false => {
      this.problem({ rule, service, instance, meter: body.name, message });
      return false;
    };
    if (!isMeterName(body.name)) return fail('meter.name', `${JSON.stringify(body.name)} is not a MAL identifier (letters, digits, _; at most 128)`);
    const labelIssue = labelProblem(body.labels);
    if (labelIssue !== undefined) return fail('meter.labels', labelIssue);
    let value: number;
    let buckets: MeterBucket[] | undefined;
    if (single !== undefined) {
      if (!Number.isFinite(single.value)) return fail('meter.value', `value ${single.value} is not finite`);
      value = single.value;
    } else {
      buckets = (histogram?.values ?? []).map((b) => ({ bucket: b.isNegativeInfinity ? -Number.MAX_VALUE : b.bucket, count: b.count }));
      for (let i = 0; i < buckets.length; i++) {
        if (buckets[i].count < 0) return fail('meter.value', `bucket ${buckets[i].bucket} has a negative count`);
        if (i > 0 && !(buckets[i].bucket > buckets[i - 1].bucket)) return fail('meter.value', 'buckets are not in ascending order');
      }
      value = buckets.reduce((sum, b) => sum + b.count, 0);
    }
    const key = seriesKey(body.name, body.labels);
    const kind = single !== undefined ? 'single' : 'histogram';
    let series = stored.series.get(key);
    // A name that changed kind starts over (the OAP would see a different meter).
    if (series !== undefined && series.kind !== kind) {
      stored.series.delete(key);
      series = undefined;
    }
    if (series === undefined) {
      if (stored.series.size >= MAX_SERIES_PER_INSTANCE) return fail('meter.series-limit', `more than ${MAX_SERIES_PER_INSTANCE} series`);
      const labels: Record<string, string> = {};
      for (const label of body.labels) {
        Object.defineProperty(labels, label.name, { value: label.value, enumerable: true, writable: true, configurable: true });
      }
      series = { name: body.name, labels, kind, history: [] };
      stored.series.set(key, series);
    }
    if (single !== undefined) series.value = value;
    else series.buckets = buckets;
    series.history.push([at, value]);
    if (series.history.length > METER_HISTORY_POINTS) series.history.shift();
    return true;
  }

  private problem(problem: MeterProblem): void {
    this.stats.problemsByRule[problem.rule] = (this.stats.problemsByRule[problem.rule] ?? 0) + 1;
    this.recent.push(problem);
    if (this.recent.length > MAX_PROBLEMS) this.recent.shift();
  }
}
