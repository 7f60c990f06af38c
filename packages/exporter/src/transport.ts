/**
 * `@otel-skywalking/exporter/transport`: the collector connection and its configuration, for the
 * otel-skywalking packages that send other SkyWalking services (meters, logs) over the trace
 * exporter's connection. Not a public API: it may change in any release; see docs/architecture.md
 * ("Other SkyWalking services on the same connection").
 */
export { CollectorConnection, type CollectorClient, type ReadyCallback } from './collector-connection';
export { resolveExporterConfig, DEFAULT_COLLECTOR, type ExporterConfig, type ResolvedTls } from './config';
export { shareCollectorConnection, type CollectorConnectionShare } from './shared-connection';
