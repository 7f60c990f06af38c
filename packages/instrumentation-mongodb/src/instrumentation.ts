import {
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { collectionName, commandName, isDriverCommand, spanName } from './commands';
import { endpointOf, rememberEndpoint } from './endpoints';
import { failureOfError, failureOfReply, type CommandFailure } from './failures';
import { commandQueryText, cut } from './query-text';
import { DB_SYSTEM_NAME_VALUE_MONGODB } from './semconv';
import { ThrottledDiag, isThenable } from '@otel-skywalking/core';
import { resolveSettings, type CommandTracingSettings } from './settings';
import type { MongoCommand, MongoDBInstrumentationConfig, MongoDBInstrumentationStats } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/** Driver majors this instrumentation patches. */
const SUPPORTED_VERSIONS = ['>=4.0.0 <8'];
/** Drivers whose connection and pool take callbacks; ≥ 6.4 is promise-based throughout. */
const CALLBACK_DRIVERS = ['>=4.0.0 <6.4.0'];
/** Of those, the ones whose `executeOperation` is callback-based too (4.11 made it async). */
const CALLBACK_OPERATION_DRIVERS = ['>=4.0.0 <4.11.0'];
const ASYNC_OPERATION_CALLBACK_DRIVERS = ['>=4.11.0 <6.4.0'];
const PROMISE_DRIVERS = ['>=6.4.0 <8'];

/**
 * Marks the context of an application's call into the driver. Set where every public operation
 * and every cursor batch enters the driver (`executeOperation`), it travels with the operation's
 * own async context down to the connection; a command that runs without it (the monitor's
 * heartbeats, work on timers the driver set up itself) was not caused by the application.
 */
const OPERATION_SCOPE = createContextKey('@otel-skywalking/instrumentation-mongodb operation');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Callback = (this: unknown, ...results: unknown[]) => unknown;

/** A driver module's exports or a class prototype in it. */
type DriverModule = Record<string, unknown> | undefined;

/** `moduleExports[className].prototype`, when the driver has that class. */
function prototypeOf(moduleExports: DriverModule, className: string): DriverModule {
  const owner = moduleExports?.[className] as { prototype?: unknown } | undefined;
  const prototype = typeof owner === 'function' ? owner.prototype : undefined;
  return typeof prototype === 'object' && prototype !== null ? (prototype as Record<string, unknown>) : undefined;
}

/** The driver's `MongoDBNamespace`, as far as we read it. */
interface Namespace {
  db?: unknown;
}

/** One traced command between its start and its reply. */
interface CommandTrace {
  span: Span;
  command: MongoCommand;
  name: string;
  ended: boolean;
}

/** `callback`, to be run in `ctx` (lighter than `context.bind`, which also copies the function's shape). */
function runIn(ctx: Context, callback: Callback): Callback {
  return function inContext(this: unknown, ...results: unknown[]): unknown {
    return context.with(ctx, callback, this, ...results);
  };
}

/** The last argument bound to the caller's context when it is a callback (driver < 6.4 queues them). */
function bindLastCallback(args: unknown[]): void {
  const last = args.length - 1;
  const callback = args[last];
  if (typeof callback === 'function') args[last] = runIn(context.active(), callback as Callback);
}

function ignore(): void {}

/**
 * OpenTelemetry instrumentation for the official MongoDB driver (`mongodb` 4.x to 7.x): one CLIENT
 * span per command the application causes, parented to the context of the application's call.
 */
export class MongoDBInstrumentation extends InstrumentationBase<MongoDBInstrumentationConfig> {
  // set by setConfig(), which the base constructor calls before field initializers would run
  private declare settings: CommandTracingSettings;
  private readonly stats: MongoDBInstrumentationStats = {
    commandSpans: 0,
    failedCommands: 0,
    skippedWithoutParent: 0,
    truncatedQueryTexts: 0,
    responseHookErrors: 0,
    serializerErrors: 0,
    internalErrors: 0,
  };
  /** At most one warning a minute per kind: a hook that throws on every command cannot flood the log. */
  private readonly warnings = new ThrottledDiag(60_000, this._diag);

  constructor(config: MongoDBInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: MongoDBInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.settings = resolveSettings(this._config);
  }

  /** A copy of the counters: spans started, failures, what hooks and limits dropped or cut. */
  getStats(): MongoDBInstrumentationStats {
    return { ...this.stats };
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const configured = this.getConfig().moduleName;
    const name = typeof configured === 'string' && configured !== '' ? configured : 'mongodb';
    const file = (path: string, versions: string[], patch: (m: DriverModule) => void, unpatch: (m: DriverModule) => void) =>
      new InstrumentationNodeModuleFile(
        `${name}/lib/${path}`,
        versions,
        (moduleExports: DriverModule) => {
          patch(moduleExports);
          return moduleExports;
        },
        unpatch,
      );
    return [
      new InstrumentationNodeModuleDefinition(name, SUPPORTED_VERSIONS, undefined, undefined, [
        file(
          'operations/execute_operation.js',
          SUPPORTED_VERSIONS,
          (m) => this.patch(m, 'executeOperation', (original) => this.scopeOperation(original)),
          (m) => this.unpatch(m, 'executeOperation'),
        ),
        file(
          'cmap/connection.js',
          CALLBACK_OPERATION_DRIVERS,
          (m) => this.patch(prototypeOf(m, 'Connection'), 'command', (original) => this.traceCallbackCommand(original, true)),
          (m) => this.unpatch(prototypeOf(m, 'Connection'), 'command'),
        ),
        file(
          'cmap/connection.js',
          ASYNC_OPERATION_CALLBACK_DRIVERS,
          (m) => this.patch(prototypeOf(m, 'Connection'), 'command', (original) => this.traceCallbackCommand(original, false)),
          (m) => this.unpatch(prototypeOf(m, 'Connection'), 'command'),
        ),
        file(
          'cmap/connection.js',
          PROMISE_DRIVERS,
          (m) => this.patch(prototypeOf(m, 'Connection'), 'command', (original) => this.tracePromiseCommand(original)),
          (m) => this.unpatch(prototypeOf(m, 'Connection'), 'command'),
        ),
        file(
          'cmap/connection_pool.js',
          CALLBACK_DRIVERS,
          (m) => this.patch(prototypeOf(m, 'ConnectionPool'), 'checkOut', (original) => this.bindCallback(original)),
          (m) => this.unpatch(prototypeOf(m, 'ConnectionPool'), 'checkOut'),
        ),
        file(
          'sdam/topology.js',
          CALLBACK_OPERATION_DRIVERS,
          (m) => this.patch(prototypeOf(m, 'Topology'), 'selectServer', (original) => this.bindCallback(original)),
          (m) => this.unpatch(prototypeOf(m, 'Topology'), 'selectServer'),
        ),
        file(
          'cmap/connect.js',
          SUPPORTED_VERSIONS,
          (m) => this.patch(m, 'connect', (original) => this.rememberEndpoints(original)),
          (m) => this.unpatch(m, 'connect'),
        ),
      ]),
    ];
  }

  /** Wraps `target[name]`; a driver whose layout differs is left alone (and said so at debug level). */
  private patch(target: DriverModule, name: string, wrapper: (original: AnyFunction) => AnyFunction): void {
    if (typeof target?.[name] !== 'function') {
      this._diag.debug(`driver layout not recognised: no function ${name}; not patched`);
      return;
    }
    this._wrap(target, name as never, wrapper as never);
  }

  private unpatch(target: DriverModule, name: string): void {
    if (target !== undefined && isWrapped(target[name])) this._unwrap(target, name as never);
  }

  /**
   * `executeOperation(client, operation, callbackOrTimeout)`: the point every public operation and
   * cursor batch passes synchronously from the application's call. Its context is captured here
   * and the operation runs inside it, marked as an application operation.
   */
  private scopeOperation(original: AnyFunction): AnyFunction {
    return function executeOperation(this: unknown, ...args: unknown[]): unknown {
      return context.with(context.active().setValue(OPERATION_SCOPE, true), original, this, ...args);
    };
  }

  /** Drivers < 6.4 hand queued callbacks to whichever operation frees a connection or a server: keep the waiter's context. */
  private bindCallback(original: AnyFunction): AnyFunction {
    return function bindingCallback(this: unknown, ...args: unknown[]): unknown {
      bindLastCallback(args);
      return original.apply(this, args);
    };
  }

  private rememberEndpoints(original: AnyFunction): AnyFunction {
    return function connect(this: unknown, ...args: unknown[]): unknown {
      const options = args[0];
      const callback = args[1];
      if (typeof callback === 'function') {
        args[1] = function connected(this: unknown, ...results: unknown[]): unknown {
          rememberEndpoint(results[1], options);
          return callback.apply(this, results);
        };
        return original.apply(this, args);
      }
      const result = original.apply(this, args);
      // the pool gets the driver's own promise; a failed connect is the pool's to handle
      if (isThenable(result)) result.then((connection) => rememberEndpoint(connection, options), ignore);
      return result;
    };
  }

  /**
   * `Connection.prototype.command(ns, cmd, options, callback)` of drivers < 6.4. With
   * `resumeInOperation`, the driver's work after the reply (which arrives in the socket's context)
   * continues in the operation's context: needed where `executeOperation` chains callbacks (< 4.11);
   * later drivers return to a promise, which restores the context by itself.
   */
  private traceCallbackCommand(original: AnyFunction, resumeInOperation: boolean): AnyFunction {
    const start = this.startCommand.bind(this);
    const end = this.endCommand.bind(this);
    return function command(this: unknown, ...args: unknown[]): unknown {
      const callback = args[3] as Callback;
      const caller = context.active();
      if (typeof callback !== 'function' || caller.getValue(OPERATION_SCOPE) === undefined) {
        return original.apply(this, args);
      }
      const traced = start(this as object, args[0], args[1], caller);
      if (traced === undefined && !resumeInOperation) return original.apply(this, args);
      const resume = resumeInOperation ? runIn(caller, callback) : callback;
      args[3] = function replied(this: unknown, ...results: unknown[]): unknown {
        if (traced !== undefined) end(traced, results[0], results[1]);
        return resume.apply(this, results);
      };
      try {
        return original.apply(this, args);
      } catch (error) {
        if (traced !== undefined) end(traced, error, undefined);
        throw error;
      }
    };
  }

  /** `async Connection.prototype.command(ns, cmd, options, responseType)` of drivers ≥ 6.4. */
  private tracePromiseCommand(original: AnyFunction): AnyFunction {
    const start = this.startCommand.bind(this);
    const end = this.endCommand.bind(this);
    return function command(this: unknown, ...args: unknown[]): unknown {
      const caller = context.active();
      if (caller.getValue(OPERATION_SCOPE) === undefined) return original.apply(this, args);
      const traced = start(this as object, args[0], args[1], caller);
      if (traced === undefined) return original.apply(this, args);
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (error) {
        end(traced, error, undefined);
        throw error;
      }
      if (!isThenable(result)) {
        end(traced, undefined, result);
        return result;
      }
      // the driver gets its own promise back: no extra step before it resumes; these handlers,
      // attached first, end the span before the driver's continuation runs
      result.then(
        (reply) => end(traced, undefined, reply),
        (error: unknown) => end(traced, error, undefined),
      );
      return result;
    };
  }

  /** Starts the span of a command the application caused; undefined when it is not to be traced. Never throws. */
  private startCommand(connection: object, ns: unknown, cmd: unknown, parent: Context): CommandTrace | undefined {
    try {
      if (typeof cmd !== 'object' || cmd === null) return undefined;
      const command = cmd as MongoCommand;
      const name = commandName(command);
      if (name === undefined || isDriverCommand(name) || isTracingSuppressed(parent)) return undefined;
      const settings = this.settings;
      if (settings.requireParentSpan && trace.getSpan(parent) === undefined) {
        this.stats.skippedWithoutParent++;
        return undefined;
      }
      const db = (ns as Namespace | undefined)?.db;
      const database = typeof db === 'string' && db !== '' ? db : undefined;
      const collection = collectionName(command, name);
      const endpoint = endpointOf(connection);
      const attributes: Attributes = {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MONGODB,
        [ATTR_DB_OPERATION_NAME]: name,
      };
      if (database !== undefined) attributes[ATTR_DB_NAMESPACE] = database;
      if (collection !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = collection;
      if (endpoint.address !== undefined) attributes[ATTR_SERVER_ADDRESS] = endpoint.address;
      if (endpoint.port !== undefined) attributes[ATTR_SERVER_PORT] = endpoint.port;
      const span = this.tracer.startSpan(
        spanName(name, collection, database),
        { kind: SpanKind.CLIENT, attributes },
        parent,
      );
      this.stats.commandSpans++;
      if (span.isRecording()) {
        const text = this.queryText(command, name, database, settings);
        if (text !== undefined) span.setAttribute(ATTR_DB_QUERY_TEXT, text);
      }
      return { span, command, name, ended: false };
    } catch (error) {
      this.stats.internalErrors++;
      this.warnings.warn('internal', 'mongodb: could not trace a command', error);
      return undefined;
    }
  }

  private queryText(
    command: MongoCommand,
    name: string,
    database: string | undefined,
    settings: CommandTracingSettings,
  ): string | undefined {
    const max = settings.maxQueryTextLength;
    if (max === 0) return undefined;
    const serializer = settings.serializer;
    if (serializer === undefined) {
      const text = commandQueryText(command, settings.sanitize, max);
      if (text.truncated) this.stats.truncatedQueryTexts++;
      return text.text;
    }
    let text: unknown;
    try {
      text = serializer(command, { operationName: name, namespace: database ?? '' });
    } catch (error) {
      this.stats.serializerErrors++;
      this.warnings.warn('serializer', 'mongodb: dbStatementSerializer failed', error);
      return undefined;
    }
    if (text === undefined || text === null || text === '') return undefined;
    if (typeof text !== 'string') {
      this.stats.serializerErrors++;
      this.warnings.warn('serializer', 'mongodb: dbStatementSerializer failed', new TypeError(`returned a ${typeof text}, not a string`));
      return undefined;
    }
    if (text.length <= max) return text;
    this.stats.truncatedQueryTexts++;
    return cut(text, max);
  }

  /** Ends a command's span once, with its outcome. Never throws. */
  private endCommand(traced: CommandTrace, error: unknown, reply: unknown): void {
    if (traced.ended) return;
    traced.ended = true;
    const span = traced.span;
    try {
      if (error !== undefined && error !== null) {
        this.fail(span, failureOfError(error));
      } else if (span.isRecording()) {
        const failure = failureOfReply(reply, traced.name);
        if (failure !== undefined) this.fail(span, failure);
        this.runResponseHook(traced, reply);
      }
    } catch (internal) {
      this.stats.internalErrors++;
      this.warnings.warn('internal', 'mongodb: could not trace a command', internal);
    }
    span.end();
  }

  private fail(span: Span, failure: CommandFailure): void {
    this.stats.failedCommands++;
    if (!span.isRecording()) return;
    span.recordException(failure.exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    span.setAttribute(ATTR_ERROR_TYPE, failure.type);
    if (failure.statusCode !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, failure.statusCode);
  }

  private runResponseHook(traced: CommandTrace, reply: unknown): void {
    const hook = this.settings.responseHook;
    if (hook === undefined) return;
    try {
      hook(traced.span, { data: reply, command: traced.command, operationName: traced.name });
    } catch (error) {
      this.stats.responseHookErrors++;
      this.warnings.warn('responseHook', 'mongodb: responseHook threw', error);
    }
  }
}
