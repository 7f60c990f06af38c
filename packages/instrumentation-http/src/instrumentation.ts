import * as diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, RequestOptions, ServerResponse } from 'node:http';
import { URL, urlToHttpOptions } from 'node:url';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed, RPCType, setRPCMetadata, suppressTracing, type RPCMetadata } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
} from '@opentelemetry/semantic-conventions';
import {
  DEFAULT_REDACTED_QUERY_PARAMS,
  HeaderCapturer,
  incomingRequestAttributes,
  outgoingRequestAttributes,
  outgoingTarget,
  type OutgoingTarget,
} from './attributes';
import { DIAGNOSTICS_CHANNELS } from './channels';
import type { HttpInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/** Where a request's span bookkeeping hangs on Node's request and response objects. */
const RECORD = Symbol('otel-skywalking.http.record');

/** A traced request: its span (none when ignored), the context its events run in, how it ended. */
class HttpRecord {
  ended = false;
  response: IncomingMessage | ServerResponse | undefined = undefined;

  constructor(
    readonly kind: SpanKind,
    readonly span: Span | undefined,
    /** Server: the span's context (with RPC metadata); client: the caller's context. */
    readonly context: Context,
    readonly request: IncomingMessage | ClientRequest,
    readonly rpc: RPCMetadata | undefined,
  ) {}
}

type Traced = { [RECORD]?: HttpRecord };
type AnyFunction = (...args: unknown[]) => unknown;
type EmitFunction = (this: Traced, event: string | symbol, ...args: unknown[]) => boolean;
interface HttpModule {
  request: AnyFunction;
  get: AnyFunction;
  Server: { prototype: { emit: EmitFunction } };
  IncomingMessage: { prototype: { emit: EmitFunction } };
  OutgoingMessage: { prototype: { emit: EmitFunction } };
}

const REQUEST_HEADER_SETTER: TextMapSetter<ClientRequest> = {
  set(request, key, value) {
    request.setHeader(key, value);
  },
};

function applyTo(original: AnyFunction, self: unknown, args: ArrayLike<unknown>): unknown {
  return original.apply(self, args as unknown[]);
}

/** Runs `original` on `self` with `args` in `ctx`, without entering it when it is already active. */
function runIn(ctx: Context, original: AnyFunction, self: unknown, args: ArrayLike<unknown>): unknown {
  if (context.active() === ctx) return original.apply(self, args as unknown[]);
  return context.with(ctx, applyTo, undefined, original, self, args);
}

function setSpanError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.setAttribute(ATTR_ERROR_TYPE, err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  span.recordException(err);
}

/** Whether Node renders `options.headers` inside the ClientRequest constructor (then setHeader comes too late). */
function headersRenderedAtConstruction(headers: RequestOptions['headers']): boolean {
  if (headers === undefined || headers === null) return false;
  if (Array.isArray(headers)) return true;
  for (const name in headers) if (name.length === 6 && name.toLowerCase() === 'expect') return true;
  return false;
}

/**
 * OpenTelemetry instrumentation for `node:http` and `node:https`: a SERVER span per incoming request
 * and a CLIENT span per outgoing request, with the stable HTTP semantic conventions.
 *
 * Spans start and end on Node's `diagnostics_channel` events (`http.server.request.start`,
 * `http.server.response.finish`, `http.client.response.finish`, `http.client.request.error`). What
 * those events cannot do is patched, once per process: `request`/`get` (the context headers must be
 * set before Node 20 sends them, and `http.client.request.start` comes after), and the `emit` of the
 * server and of the message prototypes, so that the handler and every listener of a traced request
 * or response runs in the right context and a connection closed early still ends its span.
 */
export class HttpInstrumentation extends InstrumentationBase<HttpInstrumentationConfig> {
  // Declared, not initialised: InstrumentationBase's constructor calls enable() before field initialisers would run.
  declare private subscribed: boolean | undefined;
  declare private handlers: Record<keyof typeof DIAGNOSTICS_CHANNELS, (message: unknown) => void> | undefined;
  declare private restores: Map<object, Array<() => void>> | undefined;
  declare private captures:
    | { serverRequest: HeaderCapturer; serverResponse: HeaderCapturer; clientRequest: HeaderCapturer; clientResponse: HeaderCapturer }
    | undefined;

  constructor(config: HttpInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: HttpInstrumentationConfig = {}): void {
    super.setConfig(config);
    const headers = config.headersToSpanAttributes;
    this.captures = {
      serverRequest: new HeaderCapturer(headers?.server?.requestHeaders, 'request'),
      serverResponse: new HeaderCapturer(headers?.server?.responseHeaders, 'response'),
      clientRequest: new HeaderCapturer(headers?.client?.requestHeaders, 'request'),
      clientResponse: new HeaderCapturer(headers?.client?.responseHeaders, 'response'),
    };
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'http',
        ['*'],
        (exports: HttpModule) => this.patch(exports, 'http'),
        (exports: HttpModule) => this.unpatch(exports),
      ),
      new InstrumentationNodeModuleDefinition(
        'https',
        ['*'],
        (exports: HttpModule) => this.patch(exports, 'https'),
        (exports: HttpModule) => this.unpatch(exports),
      ),
    ];
  }

  override enable(): void {
    super.enable();
    if (this.subscribed === true) return;
    this.handlers ??= {
      serverRequestStart: (message) => this.onServerRequestStart(message as { request: IncomingMessage; response: ServerResponse }),
      serverResponseFinish: (message) => this.onServerResponseFinish(message as { request: IncomingMessage }),
      clientResponseFinish: (message) => this.onClientResponse(message as { request: ClientRequest; response: IncomingMessage }),
      clientRequestError: (message) => this.onClientError(message as { request: ClientRequest; error: unknown }),
    };
    for (const key of Object.keys(DIAGNOSTICS_CHANNELS) as Array<keyof typeof DIAGNOSTICS_CHANNELS>) {
      diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS[key], this.handlers[key]);
    }
    this.subscribed = true;
  }

  override disable(): void {
    super.disable();
    if (this.subscribed !== true || this.handlers === undefined) return;
    for (const key of Object.keys(DIAGNOSTICS_CHANNELS) as Array<keyof typeof DIAGNOSTICS_CHANNELS>) {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS[key], this.handlers[key]);
    }
    this.subscribed = false;
  }

  // --- patching -----------------------------------------------------------------------------------

  /**
   * Patches the module object once, whether it comes from `require` or (its namespace, from
   * import-in-the-middle) from `import`: both share it and its classes. For `import { request }`,
   * a namespace's own bindings are pointed at the patched functions too.
   */
  private patch(exports: HttpModule, scheme: 'http' | 'https'): HttpModule {
    const module = moduleObject(exports);
    const restores = (this.restores ??= new Map());
    if (!restores.has(module)) restores.set(module, this.patchModule(module, scheme));
    if (module !== exports) {
      const namespace = exports as unknown as Record<'request' | 'get', AnyFunction>;
      const originals = { request: namespace.request, get: namespace.get };
      try {
        namespace.request = module.request;
        namespace.get = module.get;
        restores.set(exports, [
          () => {
            namespace.request = originals.request;
            namespace.get = originals.get;
          },
        ]);
      } catch (error) {
        this._diag.debug(`could not rebind the ${scheme} namespace's request and get`, error);
      }
    }
    return exports;
  }

  private patchModule(exports: HttpModule, scheme: 'http' | 'https'): Array<() => void> {
    const restores: Array<() => void> = [];
    const originalRequest = exports.request;
    const traceOutgoing = (self: unknown, args: unknown[]) => this.traceOutgoing(originalRequest, self, args, scheme);
    restores.push(
      replace(exports, 'request', function request(this: unknown, ...args: unknown[]) {
        return traceOutgoing(this, args);
      }),
      // Node's get calls its module's own request, never the patched export: the same two lines here.
      replace(exports, 'get', function get(this: unknown, ...args: unknown[]) {
        const request = traceOutgoing(this, args);
        request.end();
        return request;
      }),
      replace(exports.Server.prototype, 'emit', serverEmit(exports.Server.prototype.emit, this)),
    );
    if (scheme === 'http') {
      // https shares these classes with http
      restores.push(
        replace(exports.IncomingMessage.prototype, 'emit', messageEmit(exports.IncomingMessage.prototype.emit, this)),
        replace(exports.OutgoingMessage.prototype, 'emit', messageEmit(exports.OutgoingMessage.prototype.emit, this)),
      );
    }
    return restores;
  }

  private unpatch(exports: HttpModule): void {
    for (const key of [exports, moduleObject(exports)]) {
      const restores = this.restores?.get(key);
      if (restores === undefined) continue;
      for (const restore of restores.reverse()) restore();
      this.restores!.delete(key);
    }
  }

  // --- server -------------------------------------------------------------------------------------

  private onServerRequestStart({ request, response }: { request: IncomingMessage; response: ServerResponse }): void {
    const config = this.getConfig();
    if (config.disableIncomingRequestInstrumentation === true) return;
    const { ignoreIncomingRequestHook } = config;
    if (ignoreIncomingRequestHook !== undefined && this.safely('ignoreIncomingRequestHook', () => ignoreIncomingRequestHook(request)) === true) {
      // the handler's own outgoing calls are not traced either
      this.attach(new HttpRecord(SpanKind.SERVER, undefined, suppressTracing(context.active()), request, undefined), request, response);
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    if (config.requireParentforIncomingSpans === true && trace.getSpanContext(parent) === undefined) return;
    const scheme = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    const attributes = incomingRequestAttributes(request, scheme, config.redactedQueryParamsServer ?? DEFAULT_REDACTED_QUERY_PARAMS);
    const { startIncomingSpanHook } = config;
    if (startIncomingSpanHook !== undefined) Object.assign(attributes, this.safely('startIncomingSpanHook', () => startIncomingSpanHook(request)));
    const captures = this.captures!;
    if (!captures.serverRequest.empty) captures.serverRequest.capture((name) => request.headers[name], attributes);
    const span = this.tracer.startSpan(request.method ?? 'GET', { kind: SpanKind.SERVER, attributes }, parent);
    let record: HttpRecord;
    if (span.isRecording()) {
      const rpc: RPCMetadata = { type: RPCType.HTTP, span };
      record = new HttpRecord(SpanKind.SERVER, span, setRPCMetadata(trace.setSpan(parent, span), rpc), request, rpc);
    } else {
      // sampled out: no route to record, so no RPC metadata for frameworks to fill (a context copy less)
      record = new HttpRecord(SpanKind.SERVER, span, trace.setSpan(parent, span), request, undefined);
    }
    record.response = response;
    this.attach(record, request, response);
    const { requestHook, responseHook } = config;
    if (requestHook !== undefined) this.safely('requestHook', () => context.with(record.context, () => requestHook(span, request)));
    if (responseHook !== undefined) this.safely('responseHook', () => context.with(record.context, () => responseHook(span, response)));
  }

  private attach(record: HttpRecord, request: IncomingMessage, response: ServerResponse): void {
    (request as Traced)[RECORD] = record;
    (response as Traced)[RECORD] = record;
  }

  private onServerResponseFinish({ request }: { request: IncomingMessage }): void {
    const record = (request as Traced)[RECORD];
    if (record === undefined || record.ended || record.span === undefined) return;
    if (!record.span.isRecording()) {
      // sampled out: nothing to record, the span only carried the context
      record.ended = true;
      record.span.end();
      return;
    }
    this.endServerSpan(record, true);
  }

  /** Ends a server span when its response finished, or when the connection closed before (`finished` false). */
  private endServerSpan(record: HttpRecord, finished: boolean): void {
    record.ended = true;
    const span = record.span!;
    const response = record.response as ServerResponse;
    const request = record.request as IncomingMessage;
    const attributes: Attributes = {};
    if (finished || response.headersSent) {
      const status = response.statusCode;
      attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the connection closed before the response was sent' });
      attributes[ATTR_ERROR_TYPE] = 'aborted';
    }
    const route = record.rpc?.route;
    if (route !== undefined) {
      attributes[ATTR_HTTP_ROUTE] = route;
      span.updateName(`${request.method ?? 'GET'} ${route}`);
    }
    const capture = this.captures!.serverResponse;
    if (!capture.empty) capture.capture((name) => response.getHeader(name), attributes);
    span.setAttributes(attributes);
    this.applyCustomAttributes(span, request, response);
    span.end();
  }

  // --- client -------------------------------------------------------------------------------------

  private traceOutgoing(original: AnyFunction, self: unknown, args: unknown[], scheme: 'http' | 'https'): ClientRequest {
    const config = this.getConfig();
    const parent = context.active();
    if (config.disableOutgoingRequestInstrumentation === true || isTracingSuppressed(parent)) {
      return original.apply(self, args) as ClientRequest;
    }
    if (config.requireParentforOutgoingSpans === true && trace.getSpan(parent) === undefined) {
      return original.apply(self, args) as ClientRequest;
    }
    const target = outgoingTarget(args, scheme);
    if (target === undefined) return original.apply(self, args) as ClientRequest; // Node says what is wrong
    const { ignoreOutgoingRequestHook, startOutgoingSpanHook } = config;
    if (ignoreOutgoingRequestHook !== undefined || startOutgoingSpanHook !== undefined) {
      const options = requestOptionsOf(args, target);
      if (ignoreOutgoingRequestHook !== undefined && this.safely('ignoreOutgoingRequestHook', () => ignoreOutgoingRequestHook(options)) === true) {
        return original.apply(self, args) as ClientRequest;
      }
      return this.startOutgoing(original, self, args, scheme, target, parent, startOutgoingSpanHook && this.safely('startOutgoingSpanHook', () => startOutgoingSpanHook(options)));
    }
    return this.startOutgoing(original, self, args, scheme, target, parent, undefined);
  }

  private startOutgoing(
    original: AnyFunction,
    self: unknown,
    args: unknown[],
    scheme: 'http' | 'https',
    target: OutgoingTarget,
    parent: Context,
    hookAttributes: Attributes | undefined,
  ): ClientRequest {
    const config = this.getConfig();
    const protocol = target.options?.protocol;
    const attributes = outgoingRequestAttributes(
      target,
      protocol === 'https:' ? 'https' : protocol === 'http:' ? 'http' : scheme,
      config.redactedQueryParams ?? DEFAULT_REDACTED_QUERY_PARAMS,
    );
    if (hookAttributes !== undefined) Object.assign(attributes, hookAttributes);
    const span = this.tracer.startSpan(target.method.toUpperCase(), { kind: SpanKind.CLIENT, attributes }, parent);
    const spanContext = trace.setSpan(parent, span);
    const early = target.options !== undefined && headersRenderedAtConstruction(target.options.headers);
    if (early) args = withContextHeaders(args, target.options!, spanContext);
    let request: ClientRequest;
    try {
      request = original.apply(self, args) as ClientRequest;
    } catch (error) {
      setSpanError(span, error);
      span.end();
      throw error;
    }
    if (!early) {
      try {
        propagation.inject(spanContext, request, REQUEST_HEADER_SETTER);
      } catch (error) {
        this._diag.debug('could not set the context headers on an outgoing request', error);
      }
    }
    (request as Traced)[RECORD] = new HttpRecord(SpanKind.CLIENT, span, parent, request, undefined);
    const { requestHook } = config;
    if (requestHook !== undefined) this.safely('requestHook', () => requestHook(span, request));
    return request;
  }

  private onClientResponse({ request, response }: { request: ClientRequest; response: IncomingMessage }): void {
    const record = (request as Traced)[RECORD];
    if (record === undefined || record.ended) return;
    record.response = response;
    (response as Traced)[RECORD] = record;
    const span = record.span!;
    if (!span.isRecording()) return; // sampled out: only its context mattered
    const socket = response.socket;
    const attributes: Attributes = { [ATTR_HTTP_RESPONSE_STATUS_CODE]: response.statusCode };
    if (socket !== null) {
      attributes[ATTR_NETWORK_PEER_ADDRESS] = socket.remoteAddress;
      attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
      attributes[ATTR_NETWORK_PROTOCOL_VERSION] = response.httpVersion;
    }
    const captures = this.captures!;
    if (!captures.clientRequest.empty) captures.clientRequest.capture((name) => request.getHeader(name), attributes);
    if (!captures.clientResponse.empty) captures.clientResponse.capture((name) => response.headers[name], attributes);
    span.setAttributes(attributes);
    const { responseHook } = this.getConfig();
    if (responseHook !== undefined) this.safely('responseHook', () => responseHook(span, response));
  }

  private onClientError({ request, error }: { request: ClientRequest; error: unknown }): void {
    const record = (request as Traced)[RECORD];
    if (record === undefined || record.ended) return;
    record.ended = true;
    setSpanError(record.span!, error);
    record.span!.end();
  }

  /** A client request closed: its response was read to the end, cut off, or never came (aborted, upgraded). */
  private endClientSpan(record: HttpRecord): void {
    record.ended = true;
    const span = record.span!;
    const response = record.response as IncomingMessage | undefined;
    if (response !== undefined) {
      if (!response.complete) {
        span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the response was cut off' });
      } else if ((response.statusCode ?? 0) >= 400) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      this.applyCustomAttributes(span, record.request, response);
    }
    span.end();
  }

  // --- shared -------------------------------------------------------------------------------------

  /** An event of a traced message: `close` ends a span the finish event did not; listeners run in the record's context. */
  onMessageEvent(record: HttpRecord, emitter: Traced, event: string | symbol, error: unknown): void {
    if (record.ended || record.span === undefined) return;
    if (record.kind === SpanKind.SERVER) {
      if (event === 'close' && emitter === record.response) this.endServerSpan(record, false);
    } else if (emitter === record.request) {
      if (event === 'close') this.endClientSpan(record);
      else if (event === 'error') this.onClientError({ request: record.request as ClientRequest, error });
    }
  }

  /** A synchronous throw of the request handler: contrib's behaviour, the server span records it and ends. */
  onHandlerError(record: HttpRecord, error: unknown): void {
    if (record.ended || record.span === undefined) return;
    record.ended = true;
    setSpanError(record.span, error);
    record.span.end();
  }

  private applyCustomAttributes(span: Span, request: IncomingMessage | ClientRequest, response: IncomingMessage | ServerResponse): void {
    const { applyCustomAttributesOnSpan } = this.getConfig();
    if (applyCustomAttributesOnSpan !== undefined) this.safely('applyCustomAttributesOnSpan', () => applyCustomAttributesOnSpan(span, request, response));
  }

  /** Runs a user hook; a throw is logged, never passed on. */
  private safely<T>(name: string, hook: () => T): T | undefined {
    try {
      return hook();
    } catch (error) {
      this._diag.error(`${name} threw; ignored`, error);
      return undefined;
    }
  }
}

/** The CommonJS module object behind `exports`, which is an ES module namespace under `import`. */
function moduleObject(exports: HttpModule): HttpModule {
  const namespace = exports as unknown as { [Symbol.toStringTag]?: string; default?: HttpModule };
  return namespace[Symbol.toStringTag] === 'Module' && namespace.default !== undefined ? namespace.default : exports;
}

/** Sets `owner[name]` to `replacement`; returns how to put back exactly what was there (an own property or none). */
function replace<T extends object, K extends keyof T>(owner: T, name: K, replacement: T[K]): () => void {
  const own = Object.getOwnPropertyDescriptor(owner, name);
  Object.defineProperty(owner, name, { value: replacement, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
  return () => {
    if (owner[name] !== replacement) return; // someone wrapped us: leave their wrapper in place
    if (own !== undefined) Object.defineProperty(owner, name, own);
    else delete owner[name];
  };
}

/** Server `emit`: a traced request's handler (`request`, `checkContinue`, `checkExpectation`) runs in its span's context. */
function serverEmit(original: EmitFunction, instrumentation: HttpInstrumentation): EmitFunction {
  return function emit(this: Traced, event: string | symbol) {
    if (event !== 'request' && event !== 'checkContinue' && event !== 'checkExpectation') {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    }
    // eslint-disable-next-line prefer-rest-params
    const args = arguments;
    const record = (args[1] as Traced | undefined)?.[RECORD];
    if (record === undefined) return original.apply(this, args as unknown as [string | symbol, ...unknown[]]);
    try {
      return runIn(record.context, original as AnyFunction, this, args) as boolean;
    } catch (error) {
      instrumentation.onHandlerError(record, error);
      throw error;
    }
  };
}

/** IncomingMessage/OutgoingMessage `emit`: listeners of a traced request or response run in its record's context. */
function messageEmit(original: EmitFunction, instrumentation: HttpInstrumentation): EmitFunction {
  return function emit(this: Traced, event: string | symbol) {
    const record = this[RECORD];
    // eslint-disable-next-line prefer-rest-params
    const args = arguments;
    if (record === undefined) return original.apply(this, args as unknown as [string | symbol, ...unknown[]]);
    if ((event === 'close' || event === 'error') && !record.ended) instrumentation.onMessageEvent(record, this, event, args[1]);
    // most events of a message have no listener: no context to enter for them
    if ((this as unknown as NodeJS.EventEmitter).listenerCount(event) === 0) return original.apply(this, args as unknown as [string | symbol, ...unknown[]]);
    return runIn(record.context, original as AnyFunction, this, args) as boolean;
  };
}

/** The options of an outgoing request as `ignoreOutgoingRequestHook` and `startOutgoingSpanHook` see them. */
function requestOptionsOf(args: unknown[], target: OutgoingTarget): RequestOptions {
  const head = args[0];
  if (typeof head !== 'string' && !(head instanceof URL)) return head as RequestOptions;
  return { ...urlToHttpOptions(typeof head === 'string' ? new URL(head) : head), ...target.options };
}

/** `args` with the options object replaced by a copy whose headers carry the context of `spanContext`. */
function withContextHeaders(args: unknown[], options: RequestOptions, spanContext: Context): unknown[] {
  const carrier: Record<string, string> = {};
  propagation.inject(spanContext, carrier);
  const headers = options.headers!;
  let merged: RequestOptions['headers'];
  if (Array.isArray(headers)) {
    const pairs = headers.length > 0 && Array.isArray(headers[0]);
    const copy: unknown[] = [...headers];
    for (const [key, value] of Object.entries(carrier)) {
      if (pairs) copy.push([key, value]);
      else copy.push(key, value);
    }
    merged = copy as string[];
  } else {
    merged = { ...headers, ...carrier };
  }
  const copy = args.slice();
  copy[copy.indexOf(options)] = { ...options, headers: merged };
  return copy;
}
