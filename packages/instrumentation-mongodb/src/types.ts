import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** A MongoDB command document as the driver sends it (`{ find: 'users', filter: {...}, ... }`). */
export type MongoCommand = Readonly<Record<string, unknown>>;

/** What `responseHook` receives for a command that succeeded. */
export interface MongoResponseInfo {
  /**
   * The server's reply as the driver returned it from the connection. Drivers 4.x/5.x and
   * drivers ≥ 6.4 for plain commands give a document; drivers ≥ 6.4 give a lazily parsed
   * `MongoDBResponse` / `CursorResponse` for cursor and some other commands (call its `toObject()`).
   */
  data: unknown;
  /** The command that was sent. */
  command: MongoCommand;
  /** The command name, the same as the span's `db.operation.name`. */
  operationName: string;
}

/** Context given to `dbStatementSerializer`. */
export interface MongoStatementInfo {
  /** The command name, the same as the span's `db.operation.name`. */
  operationName: string;
  /** The database the command runs against (`db.namespace`). */
  namespace: string;
}

/** Adds attributes to a span after a command succeeded. Must not throw (a throw is caught and counted). */
export type MongoResponseHook = (span: Span, info: MongoResponseInfo) => void;

/**
 * Turns a command into the span's `db.query.text`. Return `undefined` (or '') to record none.
 * Must not throw (a throw is caught, counted, and no query text is recorded).
 */
export type MongoStatementSerializer = (command: MongoCommand, info: MongoStatementInfo) => string | undefined;

/** Options of `MongoDBInstrumentation`. */
export interface MongoDBInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record `db.query.text` with the command's values as they are, instead of `?`. May record
   * personal data. Default false; SW_MONGO_TRACE_PARAMETERS=true turns it on.
   */
  enhancedDatabaseReporting?: boolean;
  /** Builds `db.query.text` yourself; wins over `enhancedDatabaseReporting`. Default: none. */
  dbStatementSerializer?: MongoStatementSerializer;
  /**
   * Longest `db.query.text` recorded, in characters (longer text is cut and ends with '...').
   * Default 2048; SW_MONGO_PARAMETERS_MAX_LENGTH sets it.
   */
  maxQueryTextLength?: number;
  /** Called with every successful command's span and reply, before the span ends. Default: none. */
  responseHook?: MongoResponseHook;
  /**
   * Only trace commands whose caller has an active span. Default false: commands the application
   * runs outside any span (jobs, startup) are traced as root spans; driver housekeeping is never traced.
   */
  requireParentSpan?: boolean;
  /**
   * Package name to hook, for a driver installed under an alias (`"mongodb6": "npm:mongodb@6"`).
   * Read once, when the instrumentation is constructed. Default 'mongodb'.
   */
  moduleName?: string;
}

/** Counters kept by the instrumentation; read with `getStats()`. */
export interface MongoDBInstrumentationStats {
  /** Command spans started (recording or not). */
  commandSpans: number;
  /** Commands that failed: errors thrown by the driver, and write errors in the replies of recorded spans. */
  failedCommands: number;
  /** Application commands not traced because `requireParentSpan` is on and there was no parent. */
  skippedWithoutParent: number;
  /** `db.query.text` values cut to `maxQueryTextLength`. */
  truncatedQueryTexts: number;
  /** Throws from `responseHook`, caught. */
  responseHookErrors: number;
  /** Throws from `dbStatementSerializer` (or non-string results), caught. */
  serializerErrors: number;
  /** Internal failures while tracing a command (the command itself still ran untouched). */
  internalErrors: number;
}
