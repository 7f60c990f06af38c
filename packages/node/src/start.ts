/**
 * start(): OpenTelemetry tracing that SkyWalking sees as a native service, from options and
 * environment variables. Never throws into the app: a failure to set up is logged and tracing is off.
 */
import { DiagConsoleLogger, DiagLogLevel, diag, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { hostname } from 'node:os';
import { detectResources, envDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SegmentTracker, getCoreStats, setIdentityOverride, type CoreStats } from '@otel-skywalking/core';
import { SkyWalkingSpanProcessor, type SkyWalkingSpanProcessorStats } from '@otel-skywalking/exporter';
import { Sw8Propagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSampler, samplerOptionsFromEnv, type SamplerStats } from '@otel-skywalking/sampler';
import { readConfig, type ConfigProblem, type SetupConfig } from './config';
import { createInstrumentations } from './instrumentations';
import type { LogLevelName, PropagatorName, Shutdown, StartOptions } from './types';

const LEVELS: Record<LogLevelName, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

const noop: Shutdown = () => Promise.resolve();
const coreOnly = (): TracingStats => ({ core: getCoreStats() });

/** Everything counted along the pipeline: what was sampled, exported and dropped, and why. */
export interface TracingStats {
  /** The SkyWalking span processor's stats (exports, drops by reason, circuit); absent with another exporter. */
  exporter?: SkyWalkingSpanProcessorStats;
  sampler?: SamplerStats;
  /** Rejected headers, dropped correlation entries, truncations. */
  core: CoreStats;
}

/** What start() set up, for tests and for users who want to look inside. */
export interface StartResult {
  shutdown: Shutdown;
  stats: () => TracingStats;
  provider?: NodeTracerProvider;
  config: SetupConfig;
  problems: ConfigProblem[];
}

let current: StartResult | undefined;

/** The stats of the tracing start() (or the register entry points) set up; core counters only before that. */
export function stats(): TracingStats {
  return current?.stats() ?? { core: getCoreStats() };
}

/** Sets up tracing and returns a shutdown function. */
export function start(options: StartOptions = {}): Shutdown {
  return startTracing(options).shutdown;
}

/** start(), returning what it built. */
export function startTracing(options: StartOptions = {}): StartResult {
  current = setUp(options);
  return current;
}

function setUp(options: StartOptions): StartResult {
  const env = options.env ?? process.env;
  const { config, problems } = readConfig(options, env);
  diag.setLogger(new DiagConsoleLogger(), { logLevel: LEVELS[config.logLevel], suppressOverrideMessage: true });
  for (const problem of problems) diag.warn(`otel-skywalking: ${problem.message}`);
  if (config.disabled) {
    diag.info('otel-skywalking: tracing is disabled (OTEL_SDK_DISABLED / SW_DISABLE / disabled)');
    return { shutdown: noop, stats: coreOnly, config, problems };
  }
  try {
    return build(options, config, problems, env);
  } catch (err) {
    diag.error('otel-skywalking: tracing could not be set up and stays off', err);
    return { shutdown: noop, stats: coreOnly, config, problems };
  }
}

function build(options: StartOptions, config: SetupConfig, problems: ConfigProblem[], env: NodeJS.ProcessEnv): StartResult {
  // host.name directly: the host detector's host.id settles asynchronously, and spans read the
  // resource from the first request on.
  const identity: Record<string, string> = { 'host.name': hostname() };
  if (config.serviceName !== undefined) identity['service.name'] = config.serviceName;
  if (config.serviceInstance !== undefined) identity['service.instance.id'] = config.serviceInstance;
  setIdentityOverride({ service: config.serviceName, instance: config.serviceInstance });
  const resource = detectResources({ detectors: [envDetector, processDetector] }).merge(resourceFromAttributes(identity));

  const sampler = new SkyWalkingSampler({ ...samplerOptionsFromEnv(env), ...options.sampler });
  const processors = spanProcessors(options, config, problems, env);
  const exporter = processors.find((p): p is SkyWalkingSpanProcessor => p instanceof SkyWalkingSpanProcessor);
  const provider = new NodeTracerProvider({ resource, sampler, spanProcessors: processors });
  provider.register({ propagator: buildPropagator(config.propagators) });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [...createInstrumentations(config.enabled, config.httpInstrumentation), ...(options.extraInstrumentations ?? [])],
  });

  let stopping: Promise<void> | undefined;
  const shutdown: Shutdown = () => {
    stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((done) => {
        timer = setTimeout(done, config.shutdownTimeoutMillis);
        timer.unref();
      });
      try {
        await Promise.race([provider.shutdown(), timeout]);
      } catch (err) {
        diag.warn('otel-skywalking: shutdown did not complete cleanly', err);
      } finally {
        clearTimeout(timer);
        unregister();
      }
    })();
    return stopping;
  };
  const stats = (): TracingStats => ({ exporter: exporter?.getStats(), sampler: sampler.getStats(), core: getCoreStats() });
  return { shutdown, stats, provider, config, problems };
}

function spanProcessors(options: StartOptions, config: SetupConfig, problems: ConfigProblem[], env: NodeJS.ProcessEnv): SpanProcessor[] {
  switch (config.tracesExporter) {
    case 'skywalking':
      return [new SkyWalkingSpanProcessor(options.exporter ?? {})];
    case 'console':
      return [new SegmentTracker(), new SimpleSpanProcessor(new ConsoleSpanExporter())];
    case 'otlp': {
      const exporter = otlpExporter(problems, env);
      return exporter === undefined ? [new SegmentTracker()] : [new SegmentTracker(), new BatchSpanProcessor(exporter)];
    }
    case 'none':
      // Propagation still writes topology-valid sw8 for the services downstream.
      return [new SegmentTracker()];
  }
}

const OTLP_PACKAGES: Record<string, string> = {
  grpc: '@opentelemetry/exporter-trace-otlp-grpc',
  'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
  'http/json': '@opentelemetry/exporter-trace-otlp-http',
};

/** OpenTelemetry's OTLP exporter for OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, when the app installed it. */
function otlpExporter(problems: ConfigProblem[], env: NodeJS.ProcessEnv): SpanExporter | undefined {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = (env[variable] ?? 'http/protobuf').trim().toLowerCase();
  const name = OTLP_PACKAGES[protocol];
  if (name === undefined) {
    report(problems, variable, `${variable}=${JSON.stringify(protocol)} is not one of ${Object.keys(OTLP_PACKAGES).join(', ')}; spans are not exported`);
    return undefined;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OTLPTraceExporter } = require(name);
    return new OTLPTraceExporter() as SpanExporter;
  } catch {
    report(problems, 'OTEL_TRACES_EXPORTER', `OTEL_TRACES_EXPORTER=otlp with protocol ${protocol} needs ${name}: install it; spans are not exported`);
    return undefined;
  }
}

function report(problems: ConfigProblem[], variable: string, message: string): void {
  problems.push({ variable, message });
  diag.warn(`otel-skywalking: ${message}`);
}

/** OTEL_PROPAGATORS order, except that sw8 always reads after traceparent (it completes it). */
function buildPropagator(names: PropagatorName[]): TextMapPropagator {
  if (names.includes('none')) return new CompositePropagator({ propagators: [] });
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
  }
  if (names.includes('sw8')) propagators.push(new Sw8Propagator());
  return new CompositePropagator({ propagators });
}
