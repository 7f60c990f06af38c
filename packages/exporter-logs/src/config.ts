/**
 * The exporter's options resolved: the connection by @otel-skywalking/exporter's own resolution (same
 * options and SW_AGENT_* variables as the trace exporter), so that logs go to the same collector on
 * the same connection; the log options here. Invalid values are reported once through diag and
 * replaced by the default.
 */
import { diag } from '@opentelemetry/api';
import { resolveConnectionConfig, type ExporterConfig } from '@otel-skywalking/exporter/transport';
import type { SkyWalkingLogExporterOptions } from './types';

export interface LogExporterConfig {
  /** Addresses, token, TLS and timeouts, exactly as the trace exporter resolves them. */
  connection: ExporterConfig;
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

export function resolveLogExporterConfig(options: SkyWalkingLogExporterOptions, env: Env = process.env): LogExporterConfig {
  return {
    connection: resolveConnectionConfig(
      {
        collector: options.collector,
        authentication: options.authentication,
        tls: options.tls,
        // Logs keep their own default: SW_AGENT_TRACE_TIMEOUT is the traces' (and meters') deadline.
        timeoutMillis: intOption('timeoutMillis', options.timeoutMillis, 10_000, 1),
        connectTimeoutMillis: options.connectTimeoutMillis,
      },
      env,
    ),
    backoffMillis: intOption('backoffMillis', options.backoffMillis, 1000, 0),
    layer: typeof options.layer === 'string' ? options.layer : 'GENERAL',
    maxTagValueLength: intOption('maxTagValueLength', options.maxTagValueLength, 2048, 16),
    maxBodyLength: intOption('maxBodyLength', options.maxBodyLength, 10_000, 16),
  };
}
