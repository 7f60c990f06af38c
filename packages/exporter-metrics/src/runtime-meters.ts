/**
 * The Node.js runtime meters of SkyWalking's Node agent (names, units, and what each measures), so
 * that the OAP's stock `nodejs-runtime` MAL rules and the General Service → Instance dashboard work
 * unchanged; plus event-loop and GC meters the agent does not have. Observed once per collection of
 * the given MeterProvider (its reader's export interval is the report period).
 */
import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { BatchObservableResult, MeterProvider, Observable } from '@opentelemetry/api';

/** The agent's meters, in the order it reports them; values as it computes them. */
export const NODE_AGENT_RUNTIME_METERS = {
  /** Percent: user + system CPU time over the period, divided by the logical CPU count. */
  instance_nodejs_process_cpu: '%',
  instance_nodejs_heap_used: 'By',
  instance_nodejs_heap_total: 'By',
  instance_nodejs_heap_limit: 'By',
  instance_nodejs_rss: 'By',
  instance_nodejs_external_memory: 'By',
  instance_nodejs_array_buffers: 'By',
  /** Seconds since the process started. */
  instance_nodejs_uptime: 's',
  instance_nodejs_peak_malloced_memory: 'By',
  instance_nodejs_malloced_memory: 'By',
  instance_nodejs_old_space_used: 'By',
  instance_nodejs_new_space_used: 'By',
} as const;

/** Ours, with no counterpart in the agent; each over the last period. */
export const EXTRA_RUNTIME_METERS = {
  /** Event-loop delay (monitorEventLoopDelay, 10 ms resolution), in ms. */
  instance_nodejs_event_loop_delay_mean: 'ms',
  instance_nodejs_event_loop_delay_p99: 'ms',
  instance_nodejs_event_loop_delay_max: 'ms',
  /** Percent of the period the event loop was busy (performance.eventLoopUtilization). */
  instance_nodejs_event_loop_utilization: '%',
  /** Garbage collections in the period, and their total pause in ms. */
  instance_nodejs_gc_count: '{collection}',
  instance_nodejs_gc_time: 'ms',
} as const;

export type RuntimeMeterName = keyof typeof NODE_AGENT_RUNTIME_METERS | keyof typeof EXTRA_RUNTIME_METERS;

/** The agent's default report period (SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD), in ms. */
export const DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS = 20_000;
/** @deprecated Use DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS (OpenTelemetry's `*Millis`); the same value. */
export const DEFAULT_RUNTIME_REPORT_PERIOD_MS = DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS;

const NS_PER_MS = 1e6;

/**
 * Registers the runtime meters on `meterProvider` and returns a function that removes them (and
 * stops the event-loop and GC monitors).
 */
export function startNodeRuntimeMeters(meterProvider: MeterProvider): () => void {
  const meter = meterProvider.getMeter('@otel-skywalking/exporter-metrics/runtime');
  const gauges = new Map<RuntimeMeterName, Observable>();
  for (const [name, unit] of Object.entries({ ...NODE_AGENT_RUNTIME_METERS, ...EXTRA_RUNTIME_METERS })) {
    gauges.set(name as RuntimeMeterName, meter.createObservableGauge(name, { unit }));
  }
  const cpuCount = Math.max(1, cpus().length);
  let lastCpu = process.cpuUsage();
  let lastCpuAt = process.hrtime.bigint();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gcCount = 0;
  let gcTime = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcTime += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  const callback = (result: BatchObservableResult): void => {
    const observe = (name: RuntimeMeterName, value: number): void => {
      if (Number.isFinite(value)) result.observe(gauges.get(name) as Observable, value);
    };
    const memory = process.memoryUsage();
    const heap = getHeapStatistics();
    const now = process.hrtime.bigint();
    const cpuNow = process.cpuUsage();
    const cpuMicros = cpuNow.user - lastCpu.user + (cpuNow.system - lastCpu.system);
    const elapsedMicros = Number(now - lastCpuAt) / 1000;
    lastCpu = cpuNow;
    lastCpuAt = now;
    // The kernel counts CPU time in clock ticks, so over a short period the ratio can overshoot: a share of
    // the machine is at most 100 %.
    observe('instance_nodejs_process_cpu', elapsedMicros > 0 ? Math.min(100, (cpuMicros * 100) / elapsedMicros / cpuCount) : 0);
    observe('instance_nodejs_heap_used', memory.heapUsed);
    observe('instance_nodejs_heap_total', memory.heapTotal);
    observe('instance_nodejs_heap_limit', heap.heap_size_limit);
    observe('instance_nodejs_rss', memory.rss);
    observe('instance_nodejs_external_memory', memory.external);
    observe('instance_nodejs_array_buffers', memory.arrayBuffers);
    observe('instance_nodejs_uptime', process.uptime());
    observe('instance_nodejs_peak_malloced_memory', heap.peak_malloced_memory);
    observe('instance_nodejs_malloced_memory', heap.malloced_memory);
    for (const space of getHeapSpaceStatistics()) {
      if (space.space_name === 'old_space') observe('instance_nodejs_old_space_used', space.space_used_size);
      if (space.space_name === 'new_space') observe('instance_nodejs_new_space_used', space.space_used_size);
    }
    if (delay.count > 0) {
      observe('instance_nodejs_event_loop_delay_mean', delay.mean / NS_PER_MS);
      observe('instance_nodejs_event_loop_delay_p99', delay.percentile(99) / NS_PER_MS);
      observe('instance_nodejs_event_loop_delay_max', delay.max / NS_PER_MS);
    }
    delay.reset();
    const elu = performance.eventLoopUtilization();
    observe('instance_nodejs_event_loop_utilization', performance.eventLoopUtilization(elu, lastElu).utilization * 100);
    lastElu = elu;
    observe('instance_nodejs_gc_count', gcCount);
    observe('instance_nodejs_gc_time', gcTime);
    gcCount = 0;
    gcTime = 0;
  };
  meter.addBatchObservableCallback(callback, [...gauges.values()]);
  return () => {
    meter.removeBatchObservableCallback(callback, [...gauges.values()]);
    delay.disable();
    gc.disconnect();
  };
}
