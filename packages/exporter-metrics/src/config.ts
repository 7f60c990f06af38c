/**
 * The exporter's options resolved: the connection by @otel-skywalking/exporter's own resolution
 * (SW_AGENT_COLLECTOR_BACKEND_SERVICES, SW_AGENT_AUTHENTICATION, SW_AGENT_TRACE_TIMEOUT, SW_AGENT_SECURE,
 * SW_AGENT_FORCE_TLS, SW_AGENT_SSL_*), so traces and meters reach the same OAP on the same connection;
 * the meter options here. Invalid values are reported once through diag under the name the user
 * wrote and replaced by the default.
 */
import { diag } from '@opentelemetry/api';
import { intOption } from '@otel-skywalking/core';
import { resolveConnectionConfig, type ExporterConfig } from '@otel-skywalking/exporter/transport';
import type { SkyWalkingMetricExporterOptions } from './types';

export interface MetricExporterConfig {
  /** Addresses, token, TLS and timeouts, exactly as the trace exporter resolves them. */
  connection: ExporterConfig;
  reportMethod: 'collect' | 'collectBatch';
  maxSeriesPerMeter: number;
  maxMetersPerReport: number;
}

function reportMethod(value: unknown): 'collect' | 'collectBatch' {
  if (value === undefined || value === 'collect') return 'collect';
  if (value === 'collectBatch') return 'collectBatch';
  diag.warn(`otel-skywalking: option reportMethod=${String(value)} is not 'collect' or 'collectBatch'; using collect`);
  return 'collect';
}

export function resolveMetricExporterConfig(options: SkyWalkingMetricExporterOptions, env: NodeJS.ProcessEnv = process.env): MetricExporterConfig {
  return {
    connection: resolveConnectionConfig(options, env),
    reportMethod: reportMethod(options.reportMethod),
    maxSeriesPerMeter: intOption('option maxSeriesPerMeter', options.maxSeriesPerMeter, 100, 1),
    maxMetersPerReport: intOption('option maxMetersPerReport', options.maxMetersPerReport, 2000, 1),
  };
}
