/**
 * start(): OpenTelemetry tracing that SkyWalking sees as a native service, from options and
 * environment variables. Never throws into the app: a failure to set up is logged and tracing is off.
 */
import { DiagConsoleLogger, DiagLogLevel, ProxyTracerProvider, context, diag, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
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
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { SegmentTracker, identityOf, observeResource, setIdentityOverride, settleWithin } from '@otel-skywalking/core';
import { SkyWalkingSpanProcessor } from '@otel-skywalking/exporter';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSampler, samplerOptionsFromEnv } from '@otel-skywalking/sampler';
import { appPackageVersion, entryIsEsm, esmHookRegistered, otherRegisterFlags, otherTracerProviderRegistered } from './app-checks';
import { readConfig, samplerOptionsFromOtelEnv, type ConfigProblem, type SetupConfig } from './config';
import { createInstrumentations } from './instrumentations';
import { startLogReporting } from './logs';
import { startMeters, type StartedMeters } from './metrics';
import { printNotice } from './notice';
import { statsOf, trackStats, type TracingStats } from './stats';
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
const coreOnly = (): TracingStats => statsOf({});

/** What start() set up, for tests and for users who want to look inside. */
export interface StartResult {
  shutdown: Shutdown;
  /** The counters of what this start() set up. */
  getStats: () => TracingStats;
  /** @deprecated Use getStats(); kept as an alias. */
  stats: () => TracingStats;
  provider?: NodeTracerProvider;
  config: SetupConfig;
  problems: ConfigProblem[];
}

/** Sets up tracing and returns a shutdown function. */
export function start(options: StartOptions = {}): Shutdown {
  return startTracing(options).shutdown;
}

/** start(), returning what it built. */
export function startTracing(options: StartOptions = {}): StartResult {
  return setUp(options);
}

function setUp(options: StartOptions): StartResult {
  const env = options.env ?? process.env;
  const { config, problems } = readConfig(options, env);
  diag.setLogger(new DiagConsoleLogger(), { logLevel: LEVELS[config.logLevel], suppressOverrideMessage: true });
  for (const problem of problems) diag.warn(`otel-skywalking: ${problem.message}`);
  if (config.disabled) {
    diag.info('otel-skywalking: tracing is disabled (OTEL_SDK_DISABLED / SW_DISABLE / disabled)');
    return { shutdown: noop, getStats: coreOnly, stats: coreOnly, config, problems };
  }
  const other = otherSetup();
  if (other !== undefined) {
    diag.error(
      `otel-skywalking: ${other}; two SDKs in one process export nothing usable, so otel-skywalking stays off. ` +
        'Keep one: drop the other setup (our register instruments http, express, amqplib and mongodb; add more with ' +
        'start({ extraInstrumentations })), or keep your NodeSDK and give it ...skyWalkingSdkOptions() from @otel-skywalking/node',
    );
    return { shutdown: noop, getStats: coreOnly, stats: coreOnly, config, problems };
  }
  if (entryIsEsm() && !esmHookRegistered()) {
    diag.warn(
      `otel-skywalking: ${process.argv[1]} is an ES module, and libraries it imports (express, ...) are not instrumented ` +
        'without the ESM loader hook: start it with node --import @otel-skywalking/node/register (also when you call start())',
    );
  }
  try {
    return build(options, config, problems, env);
  } catch (err) {
    diag.error('otel-skywalking: tracing could not be set up and stays off', err);
    return { shutdown: noop, getStats: coreOnly, stats: coreOnly, config, problems };
  }
}

function build(options: StartOptions, config: SetupConfig, problems: ConfigProblem[], env: NodeJS.ProcessEnv): StartResult {
  // host.name directly: the host detector's host.id settles asynchronously, and spans read the
  // resource from the first request on.
  // SW_AGENT_NAME / SW_AGENT_INSTANCE name the service for every exporter (OTLP and console too).
  const identity: Record<string, string> = { 'host.name': hostname() };
  const serviceName = config.serviceName ?? env.SW_AGENT_NAME?.trim();
  const serviceInstance = config.serviceInstance ?? env.SW_AGENT_INSTANCE?.trim();
  if (serviceName) identity['service.name'] = serviceName;
  if (serviceInstance) identity['service.instance.id'] = serviceInstance;
  setIdentityOverride({ service: config.serviceName, instance: config.serviceInstance });
  const resource = detectResources({ detectors: [envDetector, processDetector] }).merge(resourceFromAttributes(identity));
  // sw8 of spans sampled out (they have no resource) names this service from the first one on.
  observeResource(resource);

  const samplerProblems: ConfigProblem[] = [];
  const sampler = new SkyWalkingSampler({ ...samplerOptionsFromEnv(env), ...samplerOptionsFromOtelEnv(samplerProblems, env), ...options.sampler });
  for (const problem of samplerProblems) report(problems, problem.variable, problem.message);
  const { processors, destination } = spanProcessors(options, config, problems, env);
  const exporter = processors.find((p): p is SkyWalkingSpanProcessor => p instanceof SkyWalkingSpanProcessor);
  const provider = new NodeTracerProvider({ resource, sampler, spanProcessors: processors });
  provider.register({ propagator: buildPropagator(config.propagators) });
  const meters: StartedMeters | undefined = config.tracesExporter === 'skywalking' ? startMeters(options, resource, env, problems) : undefined;
  const logs = config.logs ? startLogReporting(options, resource, env) : undefined;
  const instrumentations = [...createInstrumentations(config.enabled, config.httpInstrumentation), ...(logs?.instrumentations ?? []), ...(options.extraInstrumentations ?? [])];
  const unregister = registerInstrumentations({ tracerProvider: provider, loggerProvider: logs?.provider, instrumentations });
  const parts = { processor: exporter, sampler, meters, logs };
  trackStats(parts);
  if (config.startMessage) {
    const names = identityOf(resource);
    printNotice(
      `tracing service ${names.service}, instance ${names.instance}, exporter ${destination}, ` +
        `propagators ${config.propagators.join(',')}, instrumentations ${instrumentations.map(shortName).join(',') || 'none'}, ` +
        `meters ${meters === undefined ? 'off' : 'on'}, logs ${logs === undefined ? 'off' : 'on'}`,
    );
  }

  let stopping: Promise<void> | undefined;
  const shutdown: Shutdown = () => {
    stopping ??= (async () => {
      // async: a shutdown() that throws instead of rejecting is caught too.
      const shutDownAll = async (): Promise<void> => {
        await Promise.all([provider.shutdown(), logs?.shutdown(), meters?.shutdown()]);
      };
      const all = shutDownAll().catch((err: unknown) => diag.warn('otel-skywalking: shutdown did not complete cleanly', err));
      await settleWithin(all, config.shutdownTimeoutMillis);
      unregister();
      releaseGlobals(provider);
    })();
    return stopping;
  };
  const getStats = (): TracingStats => statsOf(parts);
  return { shutdown, getStats, stats: getStats, provider, config, problems };
}

/**
 * Gives back the globals register() took, while they are still ours, so that a later start() in the same
 * process is not taken for another SDK.
 */
function releaseGlobals(provider: NodeTracerProvider): void {
  const global = trace.getTracerProvider();
  if (!(global instanceof ProxyTracerProvider) || global.getDelegate() !== provider) return;
  trace.disable();
  propagation.disable();
  context.disable();
}

/** '@opentelemetry/instrumentation-http' -> 'http', '@otel-skywalking/instrumentation-amqplib' -> 'amqplib'. */
function shortName(instrumentation: Instrumentation): string {
  return instrumentation.instrumentationName.replace(/^.*\/instrumentation-/, '');
}

function spanProcessors(
  options: StartOptions,
  config: SetupConfig,
  problems: ConfigProblem[],
  env: NodeJS.ProcessEnv,
): { processors: SpanProcessor[]; destination: string } {
  switch (config.tracesExporter) {
    case 'skywalking': {
      // The same environment as the meters and logs (start({ env })); address and TLS as the exporter resolved them.
      const processor = new SkyWalkingSpanProcessor(options.exporter ?? {}, env);
      const { collector, tls } = processor.getStats();
      return { processors: [processor], destination: `skywalking -> ${collector} (${tls ? 'TLS' : 'plaintext'})` };
    }
    case 'console':
      return { processors: [new SegmentTracker(), new SimpleSpanProcessor(new ConsoleSpanExporter())], destination: 'console -> stdout' };
    case 'otlp': {
      const otlp = otlpExporter(problems, env);
      if (otlp === undefined) return { processors: [new SegmentTracker()], destination: 'otlp (not installed: spans are not exported)' };
      return { processors: [new SegmentTracker(), new BatchSpanProcessor(otlp.exporter)], destination: `otlp ${otlp.protocol} -> ${otlp.endpoint}` };
    }
    case 'none':
      // Propagation still writes topology-valid sw8 for the services downstream.
      return { processors: [new SegmentTracker()], destination: 'none' };
  }
}

/** What else set up OpenTelemetry in this process, described; undefined when nothing did. */
function otherSetup(): string | undefined {
  if (otherTracerProviderRegistered()) {
    return 'another OpenTelemetry SDK is already registered in this process (a NodeSDK started earlier, or --require @opentelemetry/auto-instrumentations-node/register)';
  }
  const flags = otherRegisterFlags();
  if (flags.length > 0) return `${flags.join(' and ')} also sets up an OpenTelemetry SDK in this process`;
  return undefined;
}

const OTLP_PACKAGES: Record<string, string> = {
  grpc: '@opentelemetry/exporter-trace-otlp-grpc',
  'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
  'http/json': '@opentelemetry/exporter-trace-otlp-http',
};

const DEFAULT_OTLP_PROTOCOL = 'http/protobuf';
const OTLP_DEFAULT_ENDPOINTS: Record<string, string> = {
  grpc: 'http://localhost:4317',
  'http/protobuf': 'http://localhost:4318/v1/traces',
  'http/json': 'http://localhost:4318/v1/traces',
};

/** OpenTelemetry's OTLP exporter for OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, when the app installed it. */
function otlpExporter(
  problems: ConfigProblem[],
  env: NodeJS.ProcessEnv,
): { exporter: SpanExporter; protocol: string; endpoint: string } | undefined {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = env[variable]?.trim();
  let protocol = (raw || DEFAULT_OTLP_PROTOCOL).toLowerCase();
  if (OTLP_PACKAGES[protocol] === undefined) {
    report(problems, variable, `${variable}=${JSON.stringify(raw)} is not one of ${Object.keys(OTLP_PACKAGES).join(', ')}; using ${DEFAULT_OTLP_PROTOCOL}`);
    protocol = DEFAULT_OTLP_PROTOCOL;
  }
  const name = OTLP_PACKAGES[protocol];
  const version = appPackageVersion(name);
  const minor = version === undefined ? undefined : /^0\.(\d+)\./.exec(version)?.[1];
  if (minor !== undefined && Number(minor) < 200) {
    report(problems, 'OTEL_TRACES_EXPORTER', `OTEL_TRACES_EXPORTER=otlp needs ${name} 0.200 or later (OpenTelemetry JS SDK 2.x), the app has ${version}; spans are not exported`);
    return undefined;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OTLPTraceExporter } = require(name);
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || OTLP_DEFAULT_ENDPOINTS[protocol];
    return { exporter: new OTLPTraceExporter() as SpanExporter, protocol, endpoint };
  } catch {
    report(problems, 'OTEL_TRACES_EXPORTER', `OTEL_TRACES_EXPORTER=otlp with protocol ${protocol} needs ${name}: install it; spans are not exported`);
    return undefined;
  }
}

function report(problems: ConfigProblem[], variable: string, message: string): void {
  problems.push({ variable, message });
  diag.warn(`otel-skywalking: ${message}`);
}

/** The propagators OTEL_PROPAGATORS names, composed as skyWalkingSdkOptions() composes them (sw8 after traceparent). */
function buildPropagator(names: PropagatorName[]): TextMapPropagator {
  const on = (name: PropagatorName): boolean => !names.includes('none') && names.includes(name);
  return createSkyWalkingPropagator({ traceContext: on('tracecontext'), baggage: on('baggage'), sw8: on('sw8') });
}
