/**
 * The connection settings, resolved from the same options and SW_AGENT_* variables as the trace
 * exporter's (@otel-skywalking/exporter), so that logs go to the same collector with the same
 * token and TLS. Invalid values are reported once through diag and replaced by the default.
 */
import { readFileSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import type { SkyWalkingLogExporterOptions, SkyWalkingLogTlsOptions } from './types';

export const DEFAULT_COLLECTOR = '127.0.0.1:11800';

export interface ResolvedTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface LogExporterConfig {
  collectors: string[];
  authentication?: string;
  tls?: ResolvedTls;
  timeoutMillis: number;
  connectTimeoutMillis: number;
  backoffMillis: number;
  layer: string;
  maxTagValueLength: number;
  maxBodyLength: number;
}

type Env = NodeJS.ProcessEnv;

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** A whole number in [min, max], else the default (with a warning naming the option when a value was given). */
export function intOption(name: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  diag.warn(`otel-skywalking: ${name}=${String(value)} is not a whole number in [${min}, ${max}]; using ${fallback}`);
  return fallback;
}

function collectorList(value: string | string[] | undefined, env: Env): string[] {
  const raw = value ?? nonEmpty(env.SW_AGENT_COLLECTOR_BACKEND_SERVICES) ?? DEFAULT_COLLECTOR;
  const parts = (Array.isArray(raw) ? raw : String(raw).split(','))
    .map((address) => (typeof address === 'string' ? address.trim() : ''))
    .filter((address) => address !== '');
  return parts.length === 0 ? [DEFAULT_COLLECTOR] : [...new Set(parts)];
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

function resolveTls(option: boolean | SkyWalkingLogTlsOptions | undefined, env: Env): ResolvedTls | undefined {
  if (option === false) return undefined;
  if (option === true) return {};
  if (option !== undefined) return { ca: pem('ca', option.ca), cert: pem('cert', option.cert), key: pem('key', option.key) };
  const wanted =
    env.SW_AGENT_SECURE?.trim().toLowerCase() === 'true' ||
    env.SW_AGENT_FORCE_TLS?.trim().toLowerCase() === 'true' ||
    nonEmpty(env.SW_AGENT_SSL_TRUSTED_CA_PATH) !== undefined ||
    nonEmpty(env.SW_AGENT_SSL_CERT_CHAIN_PATH) !== undefined;
  if (!wanted) return undefined;
  const cert = pemFile('SW_AGENT_SSL_CERT_CHAIN_PATH', env);
  const key = pemFile('SW_AGENT_SSL_KEY_PATH', env);
  const ca = pemFile('SW_AGENT_SSL_TRUSTED_CA_PATH', env);
  return cert !== undefined && key !== undefined ? { ca, cert, key } : { ca };
}

export function resolveLogExporterConfig(options: SkyWalkingLogExporterOptions, env: Env = process.env): LogExporterConfig {
  const timeoutMillis = intOption('timeoutMillis', options.timeoutMillis, 10_000, 1);
  const authentication = options.authentication ?? nonEmpty(env.SW_AGENT_AUTHENTICATION);
  return {
    collectors: collectorList(options.collector, env),
    authentication: typeof authentication === 'string' && authentication !== '' ? authentication : undefined,
    tls: resolveTls(options.tls, env),
    timeoutMillis,
    connectTimeoutMillis: Math.min(timeoutMillis, intOption('connectTimeoutMillis', options.connectTimeoutMillis, 3000, 1)),
    backoffMillis: intOption('backoffMillis', options.backoffMillis, 1000, 0),
    layer: typeof options.layer === 'string' ? options.layer : 'GENERAL',
    maxTagValueLength: intOption('maxTagValueLength', options.maxTagValueLength, 2048, 16),
    maxBodyLength: intOption('maxBodyLength', options.maxBodyLength, 10_000, 16),
  };
}
