/**
 * Options and stats of SkyWalkingMetricExporter. Every option has its default in its doc comment;
 * the connection options are the trace exporter's (same names, environment variables and defaults),
 * and one connection per process and OAP configuration (addresses, token, TLS) carries traces,
 * meters and logs.
 */

/** TLS material for the connection to the OAP (PEM, as a string or a Buffer). */
export interface SkyWalkingMetricTlsOptions {
  /** CA bundle the OAP's certificate must chain to. Default: Node's bundled root CAs (SW_AGENT_SSL_TRUSTED_CA_PATH). */
  ca?: string | Buffer;
  /** Client certificate chain for mutual TLS, with `key`. Default: none (SW_AGENT_SSL_CERT_CHAIN_PATH). */
  cert?: string | Buffer;
  /** Private key of `cert`. Default: none (SW_AGENT_SSL_KEY_PATH). */
  key?: string | Buffer;
}

export interface SkyWalkingMetricExporterOptions {
  /** OAP gRPC address(es): `host:port`, a comma-separated list or an array; later ones are failovers. Default SW_AGENT_COLLECTOR_BACKEND_SERVICES, else '127.0.0.1:11800'. */
  collector?: string | string[];
  /** Token sent as `Authentication` metadata on every call. Default SW_AGENT_AUTHENTICATION, else none. */
  authentication?: string;
  /** TLS: true for the bundled root CAs, or CA / client certificate material. Default: on when SW_AGENT_SECURE or SW_AGENT_FORCE_TLS is 'true' or an SW_AGENT_SSL_* path is set, else plaintext. */
  tls?: boolean | SkyWalkingMetricTlsOptions;
  /**
   * RPC that carries a report: 'collect' streams one MeterData per meter (every OAP since 8.x, and
   * what SkyWalking's agents use); 'collectBatch' sends the report as one MeterDataCollection (OAP
   * 9+; on an OAP without it the exporter falls back to 'collect' for good). Default 'collect'.
   */
  reportMethod?: 'collect' | 'collectBatch';
  /** Deadline of one export (connect wait, the call and its reply), in ms. Default SW_AGENT_TRACE_TIMEOUT, else 10000. */
  timeoutMillis?: number;
  /** Longest wait for a connection before a report is dropped, in ms (never longer than timeoutMillis). Default 3000. */
  connectTimeoutMillis?: number;
  /** First reconnect backoff of the connection, in ms, when this exporter opens it (a connection already open keeps its own). Default 1000. */
  backoffInitialMillis?: number;
  /** Longest reconnect backoff of the connection, in ms, when this exporter opens it (a connection already open keeps its own). Default 30000. */
  backoffMaxMillis?: number;
  /** Label sets (series) kept per meter name in one report; further series are dropped and counted. Default 100. */
  maxSeriesPerMeter?: number;
  /** Meters (series of all names) in one report; further ones are dropped and counted. Default 2000. */
  maxMetersPerReport?: number;
}

/** Why meters were not delivered. */
export type MeterDropReason =
  /** No READY connection within connectTimeoutMillis (the OAP is down or unreachable). */
  | 'unavailable'
  /** The previous report was still in flight. */
  | 'busy'
  /** The call failed or timed out. */
  | 'failed'
  /** Beyond maxSeriesPerMeter or maxMetersPerReport. */
  | 'limit'
  /** A value SkyWalking cannot carry (NaN, infinite, exponential histogram). */
  | 'unsupported'
  /** export() after shutdown(). */
  | 'shutdown';

export interface SkyWalkingMetricExporterStats {
  /** Reports the OAP acknowledged. */
  reportsSent: number;
  /** Meters (MeterData messages) in acknowledged reports. */
  metersSent: number;
  /** Reports not delivered (any reason). */
  reportsFailed: number;
  /** Meters not delivered, by reason; counted before export() calls back. */
  metersDropped: Record<MeterDropReason, number>;
  /** Label keys left off a meter beyond MAX_METER_LABELS. */
  labelsDropped: number;
  /** Set once collectBatch was answered UNIMPLEMENTED and reports went over collect since. */
  fellBackToCollect: boolean;
}
