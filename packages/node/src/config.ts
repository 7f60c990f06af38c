/**
 * The setup's own configuration, from options and environment variables. Each invalid value gets
 * one clear diag message naming the variable and the values it accepts, and a safe default:
 * tracing configuration never crashes the app. Variables of the exporter (SW_AGENT_COLLECTOR_*,
 * SW_AGENT_SSL_*, OTEL_BSP_*) and of the sampler are read by those packages.
 */
import { nonEmpty, parseSwitch } from '@otel-skywalking/core';
import { DEFAULT_SHUTDOWN_TIMEOUT_MILLIS } from '@otel-skywalking/exporter/transport';
import type { HttpInstrumentationName, InstrumentationName, LogLevelName, PropagatorName, StartOptions, TracesExporterName } from './types';

export const TRACES_EXPORTERS: readonly TracesExporterName[] = ['skywalking', 'otlp', 'console', 'none'];
export const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'sw8', 'none'];
export const INSTRUMENTATIONS: readonly InstrumentationName[] = ['http', 'undici', 'express', 'amqplib', 'mongodb'];
export const HTTP_INSTRUMENTATIONS: readonly HttpInstrumentationName[] = ['otel-skywalking', 'opentelemetry'];
export const LOG_LEVELS: readonly LogLevelName[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
export const DEFAULT_PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'sw8'];

export interface SetupConfig {
  disabled: boolean;
  serviceName?: string;
  serviceInstance?: string;
  tracesExporter: TracesExporterName;
  propagators: PropagatorName[];
  enabled: Record<InstrumentationName, boolean>;
  httpInstrumentation: HttpInstrumentationName;
  logLevel: LogLevelName;
  shutdownTimeoutMillis: number;
  /** Logs are reported (SW_AGENT_LOG_REPORTER_ACTIVE / `logs`); only with the SkyWalking exporter. */
  logs: boolean;
  /** Print the one start line (service, instance, exporter, propagators, instrumentations). */
  startMessage: boolean;
}

/** A configuration problem: the message says which variable, what it had, and what it accepts. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
}

function oneOf<T extends string>(
  problems: ConfigProblem[],
  variable: string,
  raw: string | undefined,
  accepted: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (accepted.includes(value)) return value;
  problems.push({
    variable,
    message: `${variable}=${JSON.stringify(raw)} is not one of ${accepted.join(', ')}; using ${fallback}`,
  });
  return fallback;
}

/** An on/off variable read by core's parseSwitch (SW_* as the agents read them); its problem is collected. */
export function flag(problems: ConfigProblem[], variable: string, raw: string | undefined, fallback = false): boolean {
  const { value, problem } = parseSwitch(variable, raw, fallback);
  if (problem !== undefined) problems.push({ variable, message: problem });
  return value;
}

/** Reads the setup configuration; options win over environment variables. Never throws. */
export function readConfig(options: StartOptions = {}, env: NodeJS.ProcessEnv = options.env ?? process.env): {
  config: SetupConfig;
  problems: ConfigProblem[];
} {
  const problems: ConfigProblem[] = [];
  const disabled =
    options.disabled ??
    (flag(problems, 'OTEL_SDK_DISABLED', nonEmpty(env.OTEL_SDK_DISABLED)) || flag(problems, 'SW_DISABLE', nonEmpty(env.SW_DISABLE)));

  const tracesExporter =
    options.tracesExporter !== undefined
      ? oneOf(problems, 'tracesExporter', options.tracesExporter, TRACES_EXPORTERS, 'skywalking')
      : tracesExporterFromEnv(problems, nonEmpty(env.OTEL_TRACES_EXPORTER));

  const propagators = options.propagators ?? propagatorsFromEnv(problems, nonEmpty(env.OTEL_PROPAGATORS));

  const enabled = Object.fromEntries(INSTRUMENTATIONS.map((name) => [name, true])) as Record<InstrumentationName, boolean>;
  const disabledPlugins = nonEmpty(env.SW_AGENT_DISABLE_PLUGINS);
  if (disabledPlugins !== undefined) {
    for (const name of list(disabledPlugins)) {
      // SkyWalking's Node agent names plugins like "MongoDBPlugin"; accept either spelling.
      const plain = name.replace(/plugin$/, '') as InstrumentationName;
      if (INSTRUMENTATIONS.includes(plain)) enabled[plain] = false;
      else
        problems.push({
          variable: 'SW_AGENT_DISABLE_PLUGINS',
          message: `SW_AGENT_DISABLE_PLUGINS names ${JSON.stringify(name)}, which is not one of ${INSTRUMENTATIONS.join(', ')}; ignored`,
        });
    }
  }
  for (const [name, on] of Object.entries(options.instrumentations ?? {})) {
    if (INSTRUMENTATIONS.includes(name as InstrumentationName)) enabled[name as InstrumentationName] = on !== false;
    else problems.push({ variable: 'instrumentations', message: `instrumentations.${name} is not one of ${INSTRUMENTATIONS.join(', ')}; ignored` });
  }

  const httpInstrumentation =
    options.httpInstrumentation !== undefined
      ? oneOf(problems, 'httpInstrumentation', options.httpInstrumentation, HTTP_INSTRUMENTATIONS, 'otel-skywalking')
      : oneOf(problems, 'OTEL_SKYWALKING_HTTP_INSTRUMENTATION', nonEmpty(env.OTEL_SKYWALKING_HTTP_INSTRUMENTATION), HTTP_INSTRUMENTATIONS, 'otel-skywalking');

  const levelVariable = nonEmpty(env.SW_AGENT_LOGGING_LEVEL) !== undefined ? 'SW_AGENT_LOGGING_LEVEL' : 'OTEL_LOG_LEVEL';
  const logLevel =
    options.logLevel !== undefined
      ? oneOf(problems, 'logLevel', options.logLevel, LOG_LEVELS, 'warn')
      : oneOf(problems, levelVariable, nonEmpty(env[levelVariable]), LOG_LEVELS, 'warn');

  const timeout = options.shutdownTimeoutMillis;
  let shutdownTimeoutMillis = DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
  if (timeout !== undefined) {
    if (Number.isFinite(timeout) && timeout > 0) shutdownTimeoutMillis = timeout;
    else problems.push({ variable: 'shutdownTimeoutMillis', message: `shutdownTimeoutMillis=${timeout} is not a positive number; using ${DEFAULT_SHUTDOWN_TIMEOUT_MILLIS}` });
  }

  const logs = (options.logs !== undefined ? options.logs !== false : flag(problems, 'SW_AGENT_LOG_REPORTER_ACTIVE', nonEmpty(env.SW_AGENT_LOG_REPORTER_ACTIVE), true)) && tracesExporter === 'skywalking';
  const startMessage =
    options.startMessage ??
    (flag(problems, 'SW_AGENT_START_MESSAGE', nonEmpty(env.SW_AGENT_START_MESSAGE), true) && logLevel !== 'none' && logLevel !== 'error');

  return {
    config: {
      disabled,
      logs,
      serviceName: nonEmpty(options.serviceName),
      serviceInstance: nonEmpty(options.serviceInstance),
      tracesExporter,
      propagators,
      enabled,
      httpInstrumentation,
      logLevel,
      shutdownTimeoutMillis,
      startMessage,
    },
    problems,
  };
}

/** On unless set to false (the SkyWalking Python agent's default). */
function tracesExporterFromEnv(problems: ConfigProblem[], raw: string | undefined): TracesExporterName {
  if (raw === undefined) return 'skywalking';
  const names = list(raw);
  // OpenTelemetry allows a list; one exporter is what a SkyWalking setup needs, the first valid one wins.
  const valid = names.filter((n): n is TracesExporterName => TRACES_EXPORTERS.includes(n as TracesExporterName));
  if (valid.length === 0 || valid.length !== names.length) {
    problems.push({
      variable: 'OTEL_TRACES_EXPORTER',
      message: `OTEL_TRACES_EXPORTER=${JSON.stringify(raw)}: accepted values are ${TRACES_EXPORTERS.join(', ')}; using ${valid[0] ?? 'skywalking'}`,
    });
  } else if (valid.length > 1) {
    problems.push({ variable: 'OTEL_TRACES_EXPORTER', message: `OTEL_TRACES_EXPORTER=${JSON.stringify(raw)} names several exporters; using ${valid[0]}` });
  }
  return valid[0] ?? 'skywalking';
}

function propagatorsFromEnv(problems: ConfigProblem[], raw: string | undefined): PropagatorName[] {
  if (raw === undefined) return [...DEFAULT_PROPAGATORS];
  const names = list(raw);
  const valid = names.filter((n): n is PropagatorName => PROPAGATORS.includes(n as PropagatorName));
  if (valid.length !== names.length) {
    const unknown = names.filter((n) => !PROPAGATORS.includes(n as PropagatorName));
    problems.push({
      variable: 'OTEL_PROPAGATORS',
      message: `OTEL_PROPAGATORS names ${unknown.map((n) => JSON.stringify(n)).join(', ')}, not among ${PROPAGATORS.join(', ')}; ignored`,
    });
  }
  if (valid.length === 0) return [...DEFAULT_PROPAGATORS];
  return valid.includes('none') ? ['none'] : valid;
}

/**
 * OTEL_TRACES_SAMPLER, applied to the SkyWalking sampler (which keeps context on unsampled spans):
 * always_off and parentbased_always_off record nothing started here (ratio 0), the ratio samplers
 * take OTEL_TRACES_SAMPLER_ARG (read by the sampler), always_on and parentbased_always_on are the
 * default; anything else is reported and the default applies.
 */
export function samplerOptionsFromOtelEnv(problems: ConfigProblem[], env: NodeJS.ProcessEnv): { ratio?: number } {
  const raw = nonEmpty(env.OTEL_TRACES_SAMPLER);
  if (raw === undefined) return {};
  const name = raw.toLowerCase();
  switch (name) {
    case 'always_on':
    case 'parentbased_always_on':
    case 'traceidratio':
    case 'parentbased_traceidratio':
      return {};
    case 'parentbased_always_off':
      return { ratio: 0 };
    case 'always_off':
      problems.push({
        variable: 'OTEL_TRACES_SAMPLER',
        message:
          'OTEL_TRACES_SAMPLER=always_off: no trace started here is recorded; traces continued from a sampled caller still are ' +
          '(as parentbased_always_off), so that SkyWalking does not show them broken',
      });
      return { ratio: 0 };
    default:
      problems.push({
        variable: 'OTEL_TRACES_SAMPLER',
        message:
          `OTEL_TRACES_SAMPLER=${JSON.stringify(raw)} is not one of always_on, always_off, traceidratio, ` +
          'parentbased_always_on, parentbased_always_off, parentbased_traceidratio; sampling with the SkyWalking sampler\'s defaults',
      });
      return {};
  }
}
