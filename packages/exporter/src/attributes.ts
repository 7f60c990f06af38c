/** Span attributes and names this package defines (one definition each). */

export { TRANSMISSION_LATENCY_ATTRIBUTE } from '@otel-skywalking/core';

/** Operation name of a span that stands in for one that was not exported (segment sent incomplete). */
export const PLACEHOLDER_OPERATION_NAME = 'otel-skywalking:span-not-exported';

/** Tag set on placeholder spans, so the UI shows why they are there. */
export const PLACEHOLDER_TAG = 'otel-skywalking.placeholder';
