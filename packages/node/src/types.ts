import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SkyWalkingSpanProcessorOptions } from '@otel-skywalking/exporter';
import type { SkyWalkingLogRecordProcessorOptions } from '@otel-skywalking/exporter-logs';
import type { SkyWalkingSamplerOptions } from '@otel-skywalking/sampler';
import type { SkyWalkingMetricExporterOptions } from '@otel-skywalking/exporter-metrics';

/** Exporters `OTEL_TRACES_EXPORTER` (and `tracesExporter`) accept. */
export type TracesExporterName = 'skywalking' | 'otlp' | 'console' | 'none';
/** Propagators `OTEL_PROPAGATORS` (and `propagators`) accept. */
export type PropagatorName = 'tracecontext' | 'baggage' | 'sw8' | 'none';
/** Instrumentations this package sets up, by the names SW_AGENT_DISABLE_PLUGINS and `instrumentations` use. */
export type InstrumentationName = 'http' | 'undici' | 'express' | 'amqplib' | 'mongodb';
/** Which HTTP instrumentation traces node:http/https: ours (diagnostics_channel, lean) or OpenTelemetry's. */
export type HttpInstrumentationName = 'otel-skywalking' | 'opentelemetry';
/** Log levels of SW_AGENT_LOGGING_LEVEL / OTEL_LOG_LEVEL. */
export type LogLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

export interface StartOptions {
  /** Service name. Default SW_AGENT_NAME, else OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES service.name, else 'unknown_service:node'. */
  serviceName?: string;
  /** Service instance name. Default SW_AGENT_INSTANCE, else service.instance.id, else `<uuid>@<hostname>`. */
  serviceInstance?: string;
  /** Which exporter receives the spans. Default OTEL_TRACES_EXPORTER, else 'skywalking'. */
  tracesExporter?: TracesExporterName;
  /** Propagators, in order. Default OTEL_PROPAGATORS, else ['tracecontext', 'baggage', 'sw8']. */
  propagators?: PropagatorName[];
  /** Options of the SkyWalking span processor (OAP address, TLS, batch sizes...). Default: from SW_AGENT_* and OTEL_BSP_*. */
  exporter?: SkyWalkingSpanProcessorOptions;
  /**
   * Report logs from pino, winston and bunyan to the OAP, linked to their spans (with the SkyWalking
   * exporter only): false, true, or the log processor's options. Default SW_AGENT_LOG_REPORTER_ACTIVE, else true.
   */
  logs?: boolean | SkyWalkingLogRecordProcessorOptions;
  /** Options of the SkyWalking sampler. Default: from SW_AGENT_SAMPLE_N_PER_3_SECS, SW_TRACE_IGNORE_PATH, SW_IGNORE_SUFFIX, SW_HTTP_IGNORE_METHOD. */
  sampler?: SkyWalkingSamplerOptions;
  /** Turn instrumentations on or off by name. Default: all on, except those in SW_AGENT_DISABLE_PLUGINS. */
  instrumentations?: Partial<Record<InstrumentationName, boolean>>;
  /** The HTTP instrumentation: @otel-skywalking/instrumentation-http or @opentelemetry/instrumentation-http. Default OTEL_SKYWALKING_HTTP_INSTRUMENTATION, else 'otel-skywalking'. */
  httpInstrumentation?: HttpInstrumentationName;
  /** More instrumentations to enable alongside ours. Default none. */
  extraInstrumentations?: Instrumentation[];
  /** diag log level. Default SW_AGENT_LOGGING_LEVEL, else OTEL_LOG_LEVEL, else 'warn'. */
  logLevel?: LogLevelName;
  /** Do nothing (no tracing at all). Default: OTEL_SDK_DISABLED=true or SW_DISABLE=true. */
  disabled?: boolean;
  /** Print one line at start (service, instance, exporter -> address, propagators, instrumentations) to stderr. Default SW_AGENT_START_MESSAGE, else true unless the log level is 'none' or 'error'. */
  startMessage?: boolean;
  /** Longest time the returned shutdown takes, in ms. Default 5000. */
  shutdownTimeoutMillis?: number;
  /** Meters (with the SkyWalking traces exporter): runtime meters and the meter exporter. */
  metrics?: {
    /** The Node.js runtime meters of SkyWalking's Node agent. Default SW_AGENT_NODEJS_RUNTIME_METRICS_REPORTER_ACTIVE, else true. */
    runtimeMetrics?: boolean;
    /** Report (and export) period, in ms. Default SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD, else 20000. */
    reportPeriodMillis?: number;
    /** Options of the meter exporter. Default: the connection options of `exporter`. */
    exporter?: SkyWalkingMetricExporterOptions;
  };
  /** Environment to read instead of process.env (for tests). */
  env?: NodeJS.ProcessEnv;
}

/** Stops tracing: flushes what can be sent within the shutdown timeout, then removes instrumentations. */
export type Shutdown = () => Promise<void>;
