/** Span attributes and names this package defines (one definition each). */

import * as core from '@otel-skywalking/core';

/**
 * core's attribute, bound once: a re-export compiles to a getter chain, and span conversion
 * compares every attribute key with it.
 */
export const TRANSMISSION_LATENCY_ATTRIBUTE: typeof core.TRANSMISSION_LATENCY_ATTRIBUTE = core.TRANSMISSION_LATENCY_ATTRIBUTE;

/** Operation name of a span that stands in for one that was not exported (segment sent incomplete). */
export const PLACEHOLDER_OPERATION_NAME = 'otel-skywalking:span-not-exported';

/** Tag set on placeholder spans, so the UI shows why they are there. */
export const PLACEHOLDER_TAG = 'otel-skywalking.placeholder';
