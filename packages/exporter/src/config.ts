/**
 * Options resolved against their environment variables and defaults. Invalid values are reported
 * once through diag and replaced by the default; nothing here throws into the host app except
 * explicitly given TLS material of the wrong type (a programming error with a clear message).
 */
import { readFileSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import {
  DEFAULT_HTTP_ERROR_STATUS,
  DEFAULT_SPAN_LIMIT_PER_SEGMENT,
  envNumber,
  intOption,
  nonEmpty,
  parseSwitch,
  reportEnvProblem,
  settingSource,
} from '@otel-skywalking/core';
import type {
  ReportMethod,
  SkyWalkingExporterOptions,
  SkyWalkingSpanProcessorOptions,
  SkyWalkingTlsOptions,
  TagAttributeFilter,
} from './types';

export const DEFAULT_COLLECTOR = '127.0.0.1:11800';
/** Defaults the meter and log exporters and the setup share with the trace exporter: one definition each. */
export const DEFAULT_TIMEOUT_MILLIS = 10_000;
export const DEFAULT_MAX_TAG_VALUE_LENGTH = 2048;
/** The OAP's layer for services without a more specific one. */
export const DEFAULT_LAYER = 'GENERAL';
/** OpenTelemetry's batch processors' defaults (spans here, log records in the log processor). */
export const DEFAULT_MAX_QUEUE_SIZE = 2048;
export const DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;

export interface ResolvedTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface ExporterConfig {
  collectors: string[];
  authentication?: string;
  tls?: ResolvedTls;
  timeoutMillis: number;
  connectTimeoutMillis: number;
  maxConcurrentStreams: number;
  maxPendingSegments: number;
  reportMethod: ReportMethod;
  maxStreamBufferBytes: number;
  drainTimeoutMillis: number;
  circuitFailureThreshold: number;
  backoffInitialMillis: number;
  backoffMaxMillis: number;
  heartbeatIntervalMillis: number;
  propertiesReportFactor: number;
  layer: string;
  tagAttributes: TagAttributeFilter;
  maxTagValueLength: number;
  httpErrorStatusThreshold: number;
}

export interface ProcessorConfig {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  maxSpansPerSegment: number;
  maxHeldSpans: number;
  maxOpenSegments: number;
  maxSegmentAgeMillis: number;
  shutdownTimeoutMillis: number;
}

type Env = NodeJS.ProcessEnv;

/** A SkyWalking switch (core's parseSwitch); a value it does not know is reported once and reads as false. */
function envFlag(env: Env, name: string): boolean {
  const { value, problem } = parseSwitch(name, env[name], false);
  if (problem !== undefined) reportEnvProblem('warn', `otel-skywalking: ${problem}`);
  return value;
}

function collectorList(value: string | string[] | undefined, env: Env): string[] {
  const raw = value ?? nonEmpty(env.SW_AGENT_COLLECTOR_BACKEND_SERVICES) ?? DEFAULT_COLLECTOR;
  const parts = (Array.isArray(raw) ? raw : String(raw).split(','))
    .map((address) => (typeof address === 'string' ? address.trim() : ''))
    .filter((address) => address !== '');
  if (parts.length === 0) {
    diag.warn(`otel-skywalking: no OAP address given; using ${DEFAULT_COLLECTOR}`);
    return [DEFAULT_COLLECTOR];
  }
  return [...new Set(parts)];
}

function pem(name: string, value: string | Buffer | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return Buffer.from(value);
  if (Buffer.isBuffer(value)) return value;
  throw new TypeError(`otel-skywalking: tls.${name} must be a PEM string or a Buffer`);
}

function pemFile(variable: string, env: Env): Buffer | undefined {
  const path = nonEmpty(env[variable]);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    reportEnvProblem('error', `otel-skywalking: cannot read ${variable}=${path}: ${(err as Error).message}`);
    return undefined;
  }
}

function resolveTls(option: boolean | SkyWalkingTlsOptions | undefined, env: Env): ResolvedTls | undefined {
  if (option === false) return undefined;
  if (option === true) return {};
  if (option !== undefined) {
    const tls = { ca: pem('ca', option.ca), cert: pem('cert', option.cert), key: pem('key', option.key) };
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new TypeError('otel-skywalking: tls.cert and tls.key must be given together for mutual TLS');
    }
    return tls;
  }
  const ca = pemFile('SW_AGENT_SSL_TRUSTED_CA_PATH', env);
  const cert = pemFile('SW_AGENT_SSL_CERT_CHAIN_PATH', env);
  const key = pemFile('SW_AGENT_SSL_KEY_PATH', env);
  const wanted =
    envFlag(env, 'SW_AGENT_SECURE') ||
    envFlag(env, 'SW_AGENT_FORCE_TLS') ||
    nonEmpty(env.SW_AGENT_SSL_TRUSTED_CA_PATH) !== undefined ||
    nonEmpty(env.SW_AGENT_SSL_CERT_CHAIN_PATH) !== undefined;
  if (!wanted) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    reportEnvProblem('error', 'otel-skywalking: SW_AGENT_SSL_CERT_CHAIN_PATH and SW_AGENT_SSL_KEY_PATH must both be readable for mutual TLS; using TLS without a client certificate');
    return { ca };
  }
  return { ca, cert, key };
}

function reportMethod(value: unknown): ReportMethod {
  if (value === undefined || value === 'collectInSync') return 'collectInSync';
  if (value === 'collect') return 'collect';
  diag.warn(`otel-skywalking: option reportMethod=${String(value)} is not 'collectInSync' or 'collect'; using collectInSync`);
  return 'collectInSync';
}

function tagFilter(filter: TagAttributeFilter | undefined): TagAttributeFilter {
  const list = (value: unknown, name: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    diag.warn(`otel-skywalking: option tagAttributes.${name} must be an array of strings; it is ignored`);
    return undefined;
  };
  return { include: list(filter?.include, 'include'), exclude: list(filter?.exclude, 'exclude') };
}

export function resolveExporterConfig(options: SkyWalkingExporterOptions, env: Env = process.env): ExporterConfig {
  const timeoutMillis = intOption(
    settingSource('timeoutMillis', options.timeoutMillis, 'SW_AGENT_TRACE_TIMEOUT'),
    options.timeoutMillis ?? envNumber(env, 'SW_AGENT_TRACE_TIMEOUT'),
    DEFAULT_TIMEOUT_MILLIS,
    1,
  );
  const heartbeatSeconds = envNumber(env, 'SW_AGENT_COLLECTOR_HEARTBEAT_PERIOD');
  const backoffInitialMillis = intOption('option backoffInitialMillis', options.backoffInitialMillis, 1000, 1);
  const authentication = options.authentication ?? nonEmpty(env.SW_AGENT_AUTHENTICATION);
  return {
    collectors: collectorList(options.collector, env),
    authentication: typeof authentication === 'string' && authentication !== '' ? authentication : undefined,
    tls: resolveTls(options.tls, env),
    timeoutMillis,
    connectTimeoutMillis: Math.min(
      timeoutMillis,
      intOption('option connectTimeoutMillis', options.connectTimeoutMillis, 3000, 1),
    ),
    maxConcurrentStreams: intOption('option maxConcurrentStreams', options.maxConcurrentStreams, 2, 1, 2),
    maxPendingSegments: intOption('option maxPendingSegments', options.maxPendingSegments, 2048, 0),
    reportMethod: reportMethod(options.reportMethod),
    maxStreamBufferBytes: intOption('option maxStreamBufferBytes', options.maxStreamBufferBytes, 1024 * 1024, 1024),
    drainTimeoutMillis: intOption('option drainTimeoutMillis', options.drainTimeoutMillis, 2000, 1),
    circuitFailureThreshold: intOption('option circuitFailureThreshold', options.circuitFailureThreshold, 5, 1),
    backoffInitialMillis,
    backoffMaxMillis: Math.max(backoffInitialMillis, intOption('option backoffMaxMillis', options.backoffMaxMillis, 30_000, 1)),
    heartbeatIntervalMillis: intOption(
      settingSource('heartbeatIntervalMillis', options.heartbeatIntervalMillis, 'SW_AGENT_COLLECTOR_HEARTBEAT_PERIOD'),
      options.heartbeatIntervalMillis ?? (heartbeatSeconds === undefined ? undefined : Math.round(heartbeatSeconds * 1000)),
      30_000,
      0,
      Number.MAX_SAFE_INTEGER,
      options.heartbeatIntervalMillis ?? heartbeatSeconds,
    ),
    propertiesReportFactor: intOption(
      settingSource('propertiesReportFactor', options.propertiesReportFactor, 'SW_AGENT_COLLECTOR_PROPERTIES_REPORT_PERIOD_FACTOR'),
      options.propertiesReportFactor ?? envNumber(env, 'SW_AGENT_COLLECTOR_PROPERTIES_REPORT_PERIOD_FACTOR'),
      10,
      1,
    ),
    layer: typeof options.layer === 'string' ? options.layer : DEFAULT_LAYER,
    tagAttributes: tagFilter(options.tagAttributes),
    maxTagValueLength: intOption('option maxTagValueLength', options.maxTagValueLength, DEFAULT_MAX_TAG_VALUE_LENGTH, 16),
    httpErrorStatusThreshold: intOption(
      settingSource('httpErrorStatusThreshold', options.httpErrorStatusThreshold, 'SW_HTTP_ERROR_STATUS_THRESHOLD'),
      options.httpErrorStatusThreshold ?? envNumber(env, 'SW_HTTP_ERROR_STATUS_THRESHOLD'),
      DEFAULT_HTTP_ERROR_STATUS,
      0,
      999,
    ),
  };
}

export function resolveProcessorConfig(options: SkyWalkingSpanProcessorOptions, env: Env = process.env): ProcessorConfig {
  // The OTEL_BSP_* variables as the BatchSpanProcessor reads them; a bad value is reported under the variable's name.
  const bsp = (value: number | undefined, variable: string): number | undefined => value ?? envNumber(env, variable);
  const maxQueueSize = intOption(
    settingSource('maxQueueSize', options.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE'),
    bsp(options.maxQueueSize, 'OTEL_BSP_MAX_QUEUE_SIZE'),
    DEFAULT_MAX_QUEUE_SIZE,
    1,
  );
  let maxExportBatchSize = intOption(
    settingSource('maxExportBatchSize', options.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    bsp(options.maxExportBatchSize, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    DEFAULT_MAX_EXPORT_BATCH_SIZE,
    1,
  );
  if (maxExportBatchSize > maxQueueSize) {
    diag.warn('otel-skywalking: maxExportBatchSize is larger than maxQueueSize; using maxQueueSize');
    maxExportBatchSize = maxQueueSize;
  }
  const maxSpansPerSegment = intOption(
    settingSource('maxSpansPerSegment', options.maxSpansPerSegment, 'SW_AGENT_SPAN_LIMIT'),
    options.maxSpansPerSegment ?? envNumber(env, 'SW_AGENT_SPAN_LIMIT'),
    DEFAULT_SPAN_LIMIT_PER_SEGMENT,
    1,
  );
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: intOption(
      settingSource('scheduledDelayMillis', options.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY'),
      bsp(options.scheduledDelayMillis, 'OTEL_BSP_SCHEDULE_DELAY'),
      5000,
      0,
    ),
    exportTimeoutMillis: intOption(
      settingSource('exportTimeoutMillis', options.exportTimeoutMillis, 'OTEL_BSP_EXPORT_TIMEOUT'),
      bsp(options.exportTimeoutMillis, 'OTEL_BSP_EXPORT_TIMEOUT'),
      30_000,
      1,
    ),
    // A segment must fit in the queue to be handed over whole.
    maxSpansPerSegment: Math.min(maxSpansPerSegment, maxQueueSize),
    maxHeldSpans: intOption('option maxHeldSpans', options.maxHeldSpans, 8192, 1),
    maxOpenSegments: intOption('option maxOpenSegments', options.maxOpenSegments, 10_000, 1),
    maxSegmentAgeMillis: intOption(
      options.maxSegmentAgeMillis === undefined && options.maxSegmentAgeMs !== undefined ? 'option maxSegmentAgeMs' : 'option maxSegmentAgeMillis',
      options.maxSegmentAgeMillis ?? options.maxSegmentAgeMs,
      600_000,
      1,
    ),
    shutdownTimeoutMillis: intOption('option shutdownTimeoutMillis', options.shutdownTimeoutMillis, DEFAULT_SHUTDOWN_TIMEOUT_MILLIS, 1),
  };
}
