/**
 * Meters for start(): a MeterProvider exporting to SkyWalking over the trace exporter's connection
 * settings, registered as the global one (so `metrics.getMeter()` reports to the OAP), with the
 * Node.js runtime meters of SkyWalking's Node agent on by default under its variables:
 * SW_AGENT_NODEJS_RUNTIME_METRICS_REPORTER_ACTIVE (default true) and
 * SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD (ms, default 20000), which is also the export period.
 */
import { diag, metrics } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS,
  SkyWalkingMetricExporter,
  startNodeRuntimeMeters,
  type SkyWalkingMetricExporterStats,
} from '@otel-skywalking/exporter-metrics';
import { nonEmpty } from '@otel-skywalking/core';
import { flag, type ConfigProblem } from './config';
import type { StartOptions } from './types';

export interface StartedMeters {
  provider: MeterProvider;
  getStats: () => SkyWalkingMetricExporterStats;
  shutdown: () => Promise<void>;
}

const ACTIVE = 'SW_AGENT_NODEJS_RUNTIME_METRICS_REPORTER_ACTIVE';

/** Set up after readConfig's problems were logged: logged here, once. */
function complain(problems: ConfigProblem[], variable: string, message: string): void {
  problems.push({ variable, message });
  diag.warn(`otel-skywalking: ${message}`);
}
const PERIOD = 'SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD';

function runtimeActive(options: StartOptions, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): boolean {
  if (options.metrics?.runtimeMetrics !== undefined) return options.metrics.runtimeMetrics !== false;
  // The same switch words as every SW_AGENT_* switch (true/false, yes/no, on/off, 1/0).
  const found: ConfigProblem[] = [];
  const active = flag(found, ACTIVE, nonEmpty(env[ACTIVE]), true);
  for (const problem of found) complain(problems, problem.variable, problem.message);
  return active;
}

function reportPeriod(options: StartOptions, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): number {
  const given = options.metrics?.reportPeriodMillis;
  const [name, raw] = given !== undefined ? ['metrics.reportPeriodMillis', String(given)] : [PERIOD, env[PERIOD]?.trim()];
  if (raw === undefined || raw === '') return DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  complain(problems, name, `${name}=${JSON.stringify(raw)} is not a positive whole number of ms; using ${DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS}`);
  return DEFAULT_RUNTIME_REPORT_PERIOD_MILLIS;
}

export function startMeters(options: StartOptions, resource: Resource, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): StartedMeters {
  const active = runtimeActive(options, env, problems);
  const period = reportPeriod(options, env, problems);
  const traceOptions = options.exporter ?? {};
  // The trace exporter's connection settings: same OAP, token and TLS, so the same shared connection.
  const exporter = new SkyWalkingMetricExporter(
    {
      collector: traceOptions.collector,
      authentication: traceOptions.authentication,
      tls: traceOptions.tls,
      timeoutMillis: traceOptions.timeoutMillis,
      connectTimeoutMillis: traceOptions.connectTimeoutMillis,
      backoffInitialMillis: traceOptions.backoffInitialMillis,
      backoffMaxMillis: traceOptions.backoffMaxMillis,
      ...options.metrics?.exporter,
    },
    env,
  );
  const provider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: period, exportTimeoutMillis: period })],
  });
  const registered = metrics.setGlobalMeterProvider(provider);
  if (!registered) diag.info('otel-skywalking: a global MeterProvider was already set; runtime meters still report to SkyWalking');
  const stopRuntime = active ? startNodeRuntimeMeters(provider) : undefined;
  return {
    provider,
    getStats: () => exporter.getStats(),
    shutdown: async () => {
      await provider.shutdown(); // its last report still has the runtime meters
      stopRuntime?.();
      if (registered) metrics.disable();
    },
  };
}
