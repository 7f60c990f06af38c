/** The sampler's options read from the environment variables SkyWalking agents use. */
import { envNumber } from '@otel-skywalking/core';
import type { SkyWalkingSamplerOptions } from './types';

/**
 * Which variable feeds which option; the first one set wins. The ignore rules use the Node.js
 * agent's names, then the Java and Go agents' spellings. The ratio is OpenTelemetry's
 * OTEL_TRACES_SAMPLER_ARG, read only when OTEL_TRACES_SAMPLER names a trace-id ratio sampler.
 * SW_AGENT_SAMPLE is not read: the Java agent means N per 3 s by it, the Go agent a ratio.
 */
export const SAMPLER_ENV_VARIABLES = Object.freeze({
  samplePer3Secs: ['SW_AGENT_SAMPLE_N_PER_3_SECS'],
  ratio: ['OTEL_TRACES_SAMPLER_ARG'],
  ignorePaths: ['SW_TRACE_IGNORE_PATH', 'SW_AGENT_TRACE_IGNORE_PATH'],
  ignoreSuffixes: ['SW_IGNORE_SUFFIX', 'SW_AGENT_IGNORE_SUFFIX'],
  ignoreMethods: ['SW_HTTP_IGNORE_METHOD'],
} as const);

function first(env: NodeJS.ProcessEnv, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return [name, value];
  }
  return undefined;
}

/** The first set variable of `names` as a finite number, read as every otel-skywalking variable is (core's envNumber). */
function number(env: NodeJS.ProcessEnv, names: readonly string[]): number | undefined {
  const found = first(env, names);
  return found === undefined ? undefined : envNumber(env, found[0]);
}

/** OTEL_TRACES_SAMPLER values whose OTEL_TRACES_SAMPLER_ARG is a ratio this sampler applies to roots. */
const RATIO_SAMPLERS = new Set(['traceidratio', 'parentbased_traceidratio']);

/**
 * Sampler options from SW_AGENT_SAMPLE_N_PER_3_SECS, SW_TRACE_IGNORE_PATH, SW_IGNORE_SUFFIX,
 * SW_HTTP_IGNORE_METHOD and, with OTEL_TRACES_SAMPLER=(parentbased_)traceidratio,
 * OTEL_TRACES_SAMPLER_ARG (see SAMPLER_ENV_VARIABLES). Unset variables leave the option out;
 * values that are not finite numbers ("Infinity" included) are ignored with one warning per process,
 * naming the variable. An empty SW_IGNORE_SUFFIX turns the suffix rule off, as in the Node.js agent.
 */
export function samplerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SkyWalkingSamplerOptions {
  const options: SkyWalkingSamplerOptions = {};
  const limit = number(env, SAMPLER_ENV_VARIABLES.samplePer3Secs);
  if (limit !== undefined) options.samplePer3Secs = limit;
  if (RATIO_SAMPLERS.has((env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase())) {
    const ratio = number(env, SAMPLER_ENV_VARIABLES.ratio);
    if (ratio !== undefined) options.ratio = ratio;
  }
  const paths = first(env, SAMPLER_ENV_VARIABLES.ignorePaths);
  if (paths !== undefined) options.ignorePaths = paths[1];
  const suffixes = first(env, SAMPLER_ENV_VARIABLES.ignoreSuffixes);
  if (suffixes !== undefined) options.ignoreSuffixes = suffixes[1];
  const methods = first(env, SAMPLER_ENV_VARIABLES.ignoreMethods);
  if (methods !== undefined) options.ignoreMethods = methods[1];
  return options;
}
