import type { Attributes, Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { ClientRequest, IncomingMessage, RequestOptions, ServerResponse } from 'node:http';

/** Header names to record as `http.request.header.<name>` / `http.response.header.<name>` (string arrays). */
export interface HeaderCapture {
  /** Request headers to record. Default: none. */
  requestHeaders?: string[];
  /** Response headers to record. Default: none. */
  responseHeaders?: string[];
}

/**
 * Options of HttpInstrumentation. The names and meanings are those of
 * `@opentelemetry/instrumentation-http`, so that a configuration moves between the two unchanged.
 */
export interface HttpInstrumentationConfig extends InstrumentationConfig {
  /** Return `true` to trace neither an incoming request nor the work its handler does. Default: none. */
  ignoreIncomingRequestHook?: (request: IncomingMessage) => boolean;
  /** Return `true` to make an outgoing request without a span and without context headers. Default: none. */
  ignoreOutgoingRequestHook?: (options: RequestOptions) => boolean;
  /** No server spans at all. Default: false. */
  disableIncomingRequestInstrumentation?: boolean;
  /** No client spans at all. Default: false. */
  disableOutgoingRequestInstrumentation?: boolean;
  /** Trace an incoming request only when it carries a sampled-or-not parent context. Default: false. */
  requireParentforIncomingSpans?: boolean;
  /** Trace an outgoing request only inside an active span. Default: false. */
  requireParentforOutgoingSpans?: boolean;
  /** Attributes to add when a server span starts. Default: none. */
  startIncomingSpanHook?: (request: IncomingMessage) => Attributes;
  /** Attributes to add when a client span starts. Default: none. */
  startOutgoingSpanHook?: (options: RequestOptions) => Attributes;
  /** Called with a span and its request once the span started. Default: none. */
  requestHook?: (span: Span, request: ClientRequest | IncomingMessage) => void;
  /** Called with a span and its response (server: when the span starts; client: when the response arrives). Default: none. */
  responseHook?: (span: Span, response: IncomingMessage | ServerResponse) => void;
  /** Called just before a span ends, with its request and response. Default: none. */
  applyCustomAttributesOnSpan?: (span: Span, request: ClientRequest | IncomingMessage, response: IncomingMessage | ServerResponse) => void;
  /** Headers to record on server and client spans. Default: none. */
  headersToSpanAttributes?: { client?: HeaderCapture; server?: HeaderCapture };
  /** Query parameters whose values client spans' `url.full` shows as REDACTED. Default: sig, Signature, AWSAccessKeyId, X-Goog-Signature, X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token. */
  redactedQueryParams?: string[];
  /** The same for server spans' `url.query`. Default: the same list. */
  redactedQueryParamsServer?: string[];
}
