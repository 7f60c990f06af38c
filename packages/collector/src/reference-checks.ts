/**
 * Checks of refs against the segments they point at, run once both sides are received: the parent
 * span exists, names match, and the client's exit peer equals the address the server recorded.
 * Refs whose parent segment has not arrived are not violations (it may come later); the trace view
 * reports them as missing parents.
 */
import { RefType, SpanType, type SegmentObject } from '@otel-skywalking/core/protocol';
import { violation } from './segment-validator';
import type { Violation } from './types';

/** The endpoint the OAP gives a segment: span 0's name, overwritten by each Entry span's in list order. */
export function segmentEndpoint(segment: SegmentObject): string {
  let endpoint = '';
  for (const span of segment.spans) {
    if (span.spanId === 0 && endpoint === '') endpoint = span.operationName;
    if (span.spanType === SpanType.Entry) endpoint = span.operationName;
  }
  return endpoint;
}

/** Violations of every ref in `segments` whose parent segment `lookup` finds. */
export function checkReferences(
  segments: Iterable<SegmentObject>,
  lookup: (segmentId: string) => SegmentObject | undefined,
): Violation[] {
  const out: Violation[] = [];
  for (const segment of segments) {
    for (const span of segment.spans) {
      for (const ref of span.refs) {
        const parent = lookup(ref.parentTraceSegmentId);
        if (parent === undefined) continue;
        const at = `ref to ${ref.parentTraceSegmentId}/${ref.parentSpanId}`;
        if (parent.traceId !== segment.traceId) {
          out.push(violation('ref.trace-id', segment, span.spanId, `${at}: the parent segment belongs to trace ${parent.traceId}, not ${segment.traceId}`));
        }
        if (ref.parentService !== parent.service || ref.parentServiceInstance !== parent.serviceInstance) {
          out.push(violation('ref.parent-service', segment, span.spanId,
            `${at}: names ${ref.parentService}/${ref.parentServiceInstance}, the parent segment is ${parent.service}/${parent.serviceInstance}`));
        }
        if (ref.parentEndpoint !== '') {
          const endpoint = segmentEndpoint(parent);
          if (ref.parentEndpoint !== endpoint) {
            out.push(violation('ref.parent-endpoint', segment, span.spanId, `${at}: parentEndpoint "${ref.parentEndpoint}" but the parent segment's endpoint is "${endpoint}"`));
          }
        }
        const parentSpan = parent.spans.find((s) => s.spanId === ref.parentSpanId);
        if (parentSpan === undefined) {
          out.push(violation('ref.parent-span', segment, span.spanId, `${at}: the parent segment has no span ${ref.parentSpanId}`));
          continue;
        }
        if (ref.refType !== RefType.CrossProcess || span.spanType !== SpanType.Entry) continue;
        if (parentSpan.spanType !== SpanType.Exit) {
          out.push(violation('ref.parent-span', segment, span.spanId, `${at}: a cross-process parent must be an Exit span, it is ${SpanType[parentSpan.spanType] ?? parentSpan.spanType}`));
        } else if (parentSpan.peer !== ref.networkAddressUsedAtPeer) {
          out.push(violation('ref.peer-mismatch', segment, span.spanId,
            `${at}: client exit peer "${parentSpan.peer}" differs from networkAddressUsedAtPeer "${ref.networkAddressUsedAtPeer}"; the OAP cannot join the edge`));
        }
      }
    }
  }
  return out;
}
