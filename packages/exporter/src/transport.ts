/**
 * `@otel-skywalking/exporter/transport`: the connection to the OAP and its configuration, for the
 * otel-skywalking packages that send other SkyWalking services (meters, logs) over the trace
 * exporter's connection. Not a public API: it may change in any release; see docs/architecture.md
 * ("Other SkyWalking services on the same connection").
 */
import { resolveExporterConfig, type ExporterConfig } from './config';
import type { SkyWalkingExporterOptions } from './types';
export { CollectorConnection, type CollectorClient, type ReadyCallback } from './collector-connection';
export {
  resolveExporterConfig,
  DEFAULT_COLLECTOR,
  DEFAULT_TIMEOUT_MILLIS,
  DEFAULT_MAX_TAG_VALUE_LENGTH,
  DEFAULT_LAYER,
  DEFAULT_MAX_QUEUE_SIZE,
  DEFAULT_MAX_EXPORT_BATCH_SIZE,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  type ExporterConfig,
  type ResolvedTls,
} from './config';
export { shareCollectorConnection, type CollectorConnectionShare } from './shared-connection';

/** The trace exporter's options that shape the connection (same names, environment variables and defaults). */
export type CollectorConnectionOptions = Pick<
  SkyWalkingExporterOptions,
  'collector' | 'authentication' | 'tls' | 'timeoutMillis' | 'connectTimeoutMillis' | 'backoffInitialMillis' | 'backoffMaxMillis'
>;

/**
 * The variables resolveExporterConfig reads for the connection. Its other variables (heartbeat,
 * span limits, HTTP status) belong to the trace exporter, which reports their problems once.
 */
const CONNECTION_VARIABLES = [
  'SW_AGENT_COLLECTOR_BACKEND_SERVICES',
  'SW_AGENT_AUTHENTICATION',
  'SW_AGENT_TRACE_TIMEOUT',
  'SW_AGENT_SECURE',
  'SW_AGENT_FORCE_TLS',
  'SW_AGENT_SSL_TRUSTED_CA_PATH',
  'SW_AGENT_SSL_CERT_CHAIN_PATH',
  'SW_AGENT_SSL_KEY_PATH',
] as const;

/** resolveExporterConfig for a sibling signal: only the connection options and their variables. */
export function resolveConnectionConfig(options: CollectorConnectionOptions, env: NodeJS.ProcessEnv = process.env): ExporterConfig {
  const connectionEnv: NodeJS.ProcessEnv = {};
  for (const name of CONNECTION_VARIABLES) if (env[name] !== undefined) connectionEnv[name] = env[name];
  return resolveExporterConfig(
    {
      collector: options.collector,
      authentication: options.authentication,
      tls: options.tls,
      timeoutMillis: options.timeoutMillis,
      connectTimeoutMillis: options.connectTimeoutMillis,
      backoffInitialMillis: options.backoffInitialMillis,
      backoffMaxMillis: options.backoffMaxMillis,
    },
    connectionEnv,
  );
}
