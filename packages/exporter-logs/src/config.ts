/**
 * The exporter's options resolved: the connection by @otel-skywalking/exporter's own resolution (same
 * options and SW_AGENT_* variables as the trace exporter), so that logs go to the same OAP on
 * the same connection; the log options here. Invalid values are reported once through diag and
 * replaced by the default.
 */
import { intOption } from '@otel-skywalking/core';
import {
  DEFAULT_LAYER,
  DEFAULT_MAX_TAG_VALUE_LENGTH,
  DEFAULT_TIMEOUT_MILLIS,
  resolveConnectionConfig,
  type ExporterConfig,
} from '@otel-skywalking/exporter/transport';
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

export function resolveLogExporterConfig(options: SkyWalkingLogExporterOptions, env: Env = process.env): LogExporterConfig {
  return {
    connection: resolveConnectionConfig(
      {
        collector: options.collector,
        authentication: options.authentication,
        tls: options.tls,
        // Logs keep their own default: SW_AGENT_TRACE_TIMEOUT is the traces' (and meters') deadline.
        timeoutMillis: intOption('option timeoutMillis', options.timeoutMillis, DEFAULT_TIMEOUT_MILLIS, 1),
        connectTimeoutMillis: options.connectTimeoutMillis,
      },
      env,
    ),
    backoffMillis: intOption('option backoffMillis', options.backoffMillis, 1000, 0),
    layer: typeof options.layer === 'string' ? options.layer : DEFAULT_LAYER,
    maxTagValueLength: intOption('option maxTagValueLength', options.maxTagValueLength, DEFAULT_MAX_TAG_VALUE_LENGTH, 16),
    maxBodyLength: intOption('option maxBodyLength', options.maxBodyLength, 10_000, 16),
  };
}
