/** The options of `MongoDBInstrumentation` resolved once: defaults, SW_MONGO_* variables, validation. */
import { diag } from '@opentelemetry/api';
import type { MongoDBInstrumentationConfig, MongoResponseHook, MongoStatementSerializer } from './types';

export const DEFAULT_MAX_QUERY_TEXT_LENGTH = 2048;

export interface CommandTracingSettings {
  /** Values replaced with '?' in `db.query.text`. */
  sanitize: boolean;
  serializer: MongoStatementSerializer | undefined;
  /** 0 records no query text. */
  maxQueryTextLength: number;
  responseHook: MongoResponseHook | undefined;
  requireParentSpan: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function warn(message: string): void {
  diag.warn(`@otel-skywalking/instrumentation-mongodb: ${message}`);
}

function envBoolean(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  warn(`ignoring ${name}=${JSON.stringify(env[name])}: expected true or false`);
  return undefined;
}

function isLength(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function maxLength(config: MongoDBInstrumentationConfig, env: Env): number {
  if (config.maxQueryTextLength !== undefined) {
    if (isLength(config.maxQueryTextLength)) return config.maxQueryTextLength;
    warn(`ignoring maxQueryTextLength ${String(config.maxQueryTextLength)}: expected an integer >= 0`);
  }
  const raw = env['SW_MONGO_PARAMETERS_MAX_LENGTH']?.trim();
  if (raw !== undefined && raw !== '') {
    const parsed = Number(raw);
    if (isLength(parsed)) return parsed;
    warn(`ignoring SW_MONGO_PARAMETERS_MAX_LENGTH=${JSON.stringify(raw)}: expected an integer >= 0`);
  }
  return DEFAULT_MAX_QUERY_TEXT_LENGTH;
}

function optionalFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value === undefined || typeof value === 'function') return value;
  warn(`ignoring ${name}: expected a function`);
  return undefined;
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  warn(`ignoring ${name}: expected a boolean`);
  return undefined;
}

/** Options win over SW_MONGO_* variables, which win over defaults; invalid values are warned about and ignored. */
export function resolveSettings(config: MongoDBInstrumentationConfig, env: Env = process.env): CommandTracingSettings {
  const full =
    optionalBoolean(config.enhancedDatabaseReporting, 'enhancedDatabaseReporting') ??
    envBoolean(env, 'SW_MONGO_TRACE_PARAMETERS') ??
    false;
  return {
    sanitize: !full,
    serializer: optionalFunction(config.dbStatementSerializer, 'dbStatementSerializer'),
    maxQueryTextLength: maxLength(config, env),
    responseHook: optionalFunction(config.responseHook, 'responseHook'),
    requireParentSpan: optionalBoolean(config.requireParentSpan, 'requireParentSpan') ?? false,
  };
}
