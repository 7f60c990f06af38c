/**
 * Options resolved against the environment the way @otel-skywalking/exporter resolves its own
 * (SW_AGENT_COLLECTOR_BACKEND_SERVICES, SW_AGENT_AUTHENTICATION, SW_AGENT_TRACE_TIMEOUT, SW_AGENT_SECURE,
 * SW_AGENT_FORCE_TLS, SW_AGENT_SSL_*), so traces and meters reach the same OAP the same way. Invalid
 * values are reported once through diag under the name the user wrote and replaced by the default.
 */
import { readFileSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import type { SkyWalkingMetricExporterOptions, SkyWalkingMetricTlsOptions } from './types';

export const DEFAULT_COLLECTOR = '127.0.0.1:11800';

export interface ResolvedTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface MetricExporterConfig {
  collectors: string[];
  authentication?: string;
  tls?: ResolvedTls;
  reportMethod: 'collect' | 'collectBatch';
  timeoutMillis: number;
  connectTimeoutMillis: number;
  backoffInitialMillis: number;
  backoffMaxMillis: number;
  maxSeriesPerMeter: number;
  maxMetersPerReport: number;
}

type Env = NodeJS.ProcessEnv;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function envNumber(env: Env, name: string): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    diag.warn(`otel-skywalking: ${name}=${JSON.stringify(raw)} is not a number; it is ignored`);
    return undefined;
  }
  return value;
}

function intOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  diag.warn(`otel-skywalking: option ${name}=${String(value)} is not a whole number >= ${min}; using ${fallback}`);
  return fallback;
}

function collectorList(value: string | string[] | undefined, env: Env): string[] {
  const raw = value ?? nonEmpty(env.SW_AGENT_COLLECTOR_BACKEND_SERVICES) ?? DEFAULT_COLLECTOR;
  const parts = (Array.isArray(raw) ? raw : String(raw).split(','))
    .map((address) => (typeof address === 'string' ? address.trim() : ''))
    .filter((address) => address !== '');
  if (parts.length === 0) {
    diag.warn(`otel-skywalking: no collector address given; using ${DEFAULT_COLLECTOR}`);
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
    diag.error(`otel-skywalking: cannot read ${variable}=${path}: ${(err as Error).message}`);
    return undefined;
  }
}

function resolveTls(option: boolean | SkyWalkingMetricTlsOptions | undefined, env: Env): ResolvedTls | undefined {
  if (option === false) return undefined;
  if (option === true) return {};
  if (option !== undefined) {
    const tls = { ca: pem('ca', option.ca), cert: pem('cert', option.cert), key: pem('key', option.key) };
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new TypeError('otel-skywalking: tls.cert and tls.key must be given together for mutual TLS');
    }
    return tls;
  }
  const wanted =
    isTrue(env.SW_AGENT_SECURE) ||
    isTrue(env.SW_AGENT_FORCE_TLS) ||
    nonEmpty(env.SW_AGENT_SSL_TRUSTED_CA_PATH) !== undefined ||
    nonEmpty(env.SW_AGENT_SSL_CERT_CHAIN_PATH) !== undefined;
  if (!wanted) return undefined;
  const ca = pemFile('SW_AGENT_SSL_TRUSTED_CA_PATH', env);
  const cert = pemFile('SW_AGENT_SSL_CERT_CHAIN_PATH', env);
  const key = pemFile('SW_AGENT_SSL_KEY_PATH', env);
  if ((cert === undefined) !== (key === undefined)) {
    diag.error('otel-skywalking: SW_AGENT_SSL_CERT_CHAIN_PATH and SW_AGENT_SSL_KEY_PATH must both be readable for mutual TLS; using TLS without a client certificate');
    return { ca };
  }
  return { ca, cert, key };
}

function reportMethod(value: unknown): 'collect' | 'collectBatch' {
  if (value === undefined || value === 'collect') return 'collect';
  if (value === 'collectBatch') return 'collectBatch';
  diag.warn(`otel-skywalking: option reportMethod=${String(value)} is not 'collect' or 'collectBatch'; using collect`);
  return 'collect';
}

export function resolveMetricExporterConfig(options: SkyWalkingMetricExporterOptions, env: Env = process.env): MetricExporterConfig {
  const timeoutMillis = intOption('timeoutMillis', options.timeoutMillis ?? envNumber(env, 'SW_AGENT_TRACE_TIMEOUT'), 10_000, 1);
  const backoffInitialMillis = intOption('backoffInitialMillis', options.backoffInitialMillis, 1000, 1);
  const authentication = options.authentication ?? nonEmpty(env.SW_AGENT_AUTHENTICATION);
  return {
    collectors: collectorList(options.collector, env),
    authentication: typeof authentication === 'string' && authentication !== '' ? authentication : undefined,
    tls: resolveTls(options.tls, env),
    reportMethod: reportMethod(options.reportMethod),
    timeoutMillis,
    connectTimeoutMillis: Math.min(timeoutMillis, intOption('connectTimeoutMillis', options.connectTimeoutMillis, 3000, 1)),
    backoffInitialMillis,
    backoffMaxMillis: Math.max(backoffInitialMillis, intOption('backoffMaxMillis', options.backoffMaxMillis, 30_000, 1)),
    maxSeriesPerMeter: intOption('maxSeriesPerMeter', options.maxSeriesPerMeter, 100, 1),
    maxMetersPerReport: intOption('maxMetersPerReport', options.maxMetersPerReport, 2000, 1),
  };
}
