/** How a failed command is described on its span: `error.type`, `db.response.status_code`, the exception. */
import type { Exception } from '@opentelemetry/api';

export interface CommandFailure {
  /** `error.type`: the server's error code when there is one, else the error's class name. */
  type: string;
  /** `db.response.status_code`: the server's error code as a string, when the server answered. */
  statusCode: string | undefined;
  message: string;
  exception: Exception;
}

function codeOf(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' && Number.isFinite(code) ? String(code) : undefined;
}

function nameOf(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || 'Error';
  return typeof error;
}

/** A command that threw or rejected (server error, network error, driver error). */
export function failureOfError(error: unknown): CommandFailure {
  const statusCode = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return {
    type: statusCode ?? nameOf(error),
    statusCode,
    message,
    exception: error instanceof Error ? error : message,
  };
}

/** Commands that write nothing, so their replies hold no write errors. */
const READS: ReadonlySet<string> = new Set(['find', 'getMore', 'count', 'distinct', 'listIndexes', 'listCollections', 'killCursors']);

interface OnDemandReply {
  has(name: string): boolean;
  toObject(): Record<string, unknown>;
}

function isOnDemandReply(reply: object): reply is OnDemandReply {
  const candidate = reply as Partial<OnDemandReply>;
  return typeof candidate.has === 'function' && typeof candidate.toObject === 'function';
}

function writeFailure(error: unknown): CommandFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const statusCode = codeOf(error);
  const errmsg = (error as { errmsg?: unknown }).errmsg;
  const message = typeof errmsg === 'string' ? errmsg : 'write failed';
  return {
    type: statusCode ?? 'WriteError',
    statusCode,
    message,
    // the driver turns these replies into a WriteError / MongoBulkWriteError for the caller
    exception: { name: 'WriteError', message, ...(statusCode === undefined ? {} : { code: statusCode }) },
  };
}

/**
 * A reply with `ok: 1` that still reports a failure: `writeErrors` (duplicate key in an insert...)
 * or a `writeConcernError`. The driver rejects the application's call for these; undefined otherwise.
 */
export function failureOfReply(reply: unknown, operationName: string): CommandFailure | undefined {
  if (typeof reply !== 'object' || reply === null) return undefined;
  let document = reply as Record<string, unknown>;
  if (isOnDemandReply(reply)) {
    // cursor replies, the bulk of lazy replies, never carry write errors: skip the lookups
    if (READS.has(operationName)) return undefined;
    // lazily parsed replies (driver ≥ 6.4): parse only when a failure field is present
    if (!reply.has('writeErrors') && !reply.has('writeConcernError')) return undefined;
    document = reply.toObject();
  }
  const writeErrors = document['writeErrors'];
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return writeFailure(writeErrors[0]);
  const concernError = document['writeConcernError'];
  if (concernError !== undefined && concernError !== null) return writeFailure(concernError);
  return undefined;
}
