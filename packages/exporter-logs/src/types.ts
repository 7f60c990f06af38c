/**
 * Options and stats of the log exporter and processor. Every option has its default in its doc
 * comment; environment variables apply when the option is not given.
 */

/** TLS material for the connection to the OAP (PEM, as a string or a Buffer). */
export interface SkyWalkingLogTlsOptions {
  /** CA bundle the OAP's certificate must chain to. Default: Node's root CAs (SW_AGENT_SSL_TRUSTED_CA_PATH). */
  ca?: string | Buffer;
  /** Client certificate chain for mutual TLS, with `key`. Default: none (SW_AGENT_SSL_CERT_CHAIN_PATH). */
  cert?: string | Buffer;
  /** Private key of `cert`. Default: none (SW_AGENT_SSL_KEY_PATH). */
  key?: string | Buffer;
}

export interface SkyWalkingLogExporterOptions {
  /** OAP gRPC address(es): `host:port`, a comma-separated list or an array; later ones are failovers. Default SW_AGENT_COLLECTOR_BACKEND_SERVICES, else '127.0.0.1:11800'. */
  collector?: string | string[];
  /** Token sent as `Authentication` metadata. Default SW_AGENT_AUTHENTICATION, else none. */
  authentication?: string;
  /** TLS: true for the root CAs, or CA / client certificate material. Default: on when SW_AGENT_SECURE or SW_AGENT_FORCE_TLS is 'true' or an SW_AGENT_SSL_* path is set. */
  tls?: boolean | SkyWalkingLogTlsOptions;
  /** Deadline of one export (connect wait, the call and its reply), in ms. Default 10000. */
  timeoutMillis?: number;
  /** Longest wait for a connection before a batch is dropped, in ms (never longer than timeoutMillis). Default 3000. */
  connectTimeoutMillis?: number;
  /** After a failed export, batches are dropped (and counted) without a call for this long, in ms. Default 1000. */
  backoffMillis?: number;
  /** Layer reported with each log (LogData.layer). Default 'GENERAL'. */
  layer?: string;
  /** Longest tag value and text body in characters; longer ones are cut and counted. Default 10000 for bodies, 2048 for tags. */
  maxTagValueLength?: number;
  maxBodyLength?: number;
}

/** Severity names of `level` (OpenTelemetry's severity ranges). */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface SkyWalkingLogRecordProcessorOptions extends SkyWalkingLogExporterOptions {
  /** Records waiting to be exported; beyond it new records are dropped and counted. Default SW_AGENT_LOG_REPORTER_MAX_BUFFER_SIZE, else 2048. */
  maxQueueSize?: number;
  /** Records per export call. Default 512. */
  maxExportBatchSize?: number;
  /** Delay between exports, in ms. Default 1000. */
  scheduledDelayMillis?: number;
  /** Lowest severity reported. Default SW_AGENT_LOG_REPORTER_LEVEL, else every record the logger emits. */
  level?: LogLevelName;
}

/** Why records were dropped. */
export type LogDropReason = 'queueFull' | 'collectorUnavailable' | 'exportFailed' | 'timeout' | 'shutdown' | 'tooLarge';

export interface SkyWalkingLogExporterStats {
  /** Records the OAP acknowledged. */
  sent: number;
  /** Records dropped, by reason. */
  dropped: Record<LogDropReason, number>;
  /** Bodies and tag values cut to their limit. */
  truncated: number;
  /** Records with a span context but no SkyWalking ids captured at emit (no context processor in front). */
  withoutCapturedContext: number;
}

export interface SkyWalkingLogRecordProcessorStats extends SkyWalkingLogExporterStats {
  /** Records below `level`, not reported. */
  filtered: number;
  /** Records emitted while exporting (our own diagnostics), never reported. */
  suppressed: number;
}
