/**
 * Options and environment variables, read one way by every otel-skywalking package: a value is
 * trimmed and an empty one is unset; a number must be finite ("Infinity" is no limit a variable can
 * set); an invalid value gets one warning naming what the user wrote (the option, or the variable)
 * and the default applies. Problems of environment variables are reported once per process: the
 * trace, meter and log exporters all read the connection variables, and the environment is the same
 * for them.
 */
import { diag } from '@opentelemetry/api';

const reportedEnvProblems = new Set<string>();

/** Logs `message` through diag unless the same message was logged before in this process. */
export function reportEnvProblem(level: 'warn' | 'error', message: string): void {
  if (reportedEnvProblems.has(message)) return;
  reportedEnvProblems.add(message);
  diag[level](message);
}

/** The value trimmed, or undefined when it is not a string or is blank. */
export function nonEmpty(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The finite number in variable `name`; undefined when unset or blank, and (reported once) when not a finite number. */
export function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    reportEnvProblem('warn', `otel-skywalking: ${name}=${JSON.stringify(raw)} is not a finite number; it is ignored`);
    return undefined;
  }
  return value;
}

// SkyWalking's agents read their switches loosely; OpenTelemetry's variables are true or false only.
const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

/**
 * An on/off variable: `SW_*` ones as SkyWalking's agents read them (true/yes/on/1, false/no/off/0,
 * any case), others as OpenTelemetry does (true or false). Unset or blank gives `fallback`; anything
 * else gives `fallback` and the problem to report, naming the variable.
 */
export function parseSwitch(variable: string, raw: string | undefined, fallback: boolean): { value: boolean; problem?: string } {
  const text = nonEmpty(raw);
  if (text === undefined) return { value: fallback };
  const value = text.toLowerCase();
  const loose = variable.startsWith('SW_');
  if (value === 'true' || (loose && TRUE_WORDS.includes(value))) return { value: true };
  if (value === 'false' || (loose && FALSE_WORDS.includes(value))) return { value: false };
  const accepted = loose ? 'true or false (or yes/no, on/off, 1/0)' : 'true or false';
  return { value: fallback, problem: `${variable}=${JSON.stringify(text)} is not ${accepted}; using ${fallback}` };
}

/**
 * A whole number in [min, max], else the default. `label` names where the value came from: `option <name>`
 * for an option (warned each time: options are given once, in code), else the variable's name (reported
 * once per process). `shown` is the value as the user wrote it when it was converted (seconds to ms).
 */
export function intOption(
  label: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  shown: unknown = value,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  const message = `otel-skywalking: ${label}=${String(shown)} is not a whole number in [${min}, ${max}]; using ${fallback}`;
  if (label.startsWith('option ')) diag.warn(message);
  else reportEnvProblem('warn', message);
  return fallback;
}

/** The name a value is reported under: `option <option>` when it was given, else the variable it came from. */
export function settingSource(option: string, given: unknown, variable: string): string {
  return given !== undefined ? `option ${option}` : variable;
}
