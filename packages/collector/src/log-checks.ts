/**
 * Checks of a log's trace context against the segments held: the segment it names belongs to the
 * same trace and holds the span it names. A log may arrive before its segment: it is checked once
 * both are held (violations are computed when asked for).
 */
import type { SegmentObject } from '@otel-skywalking/core/protocol';
import { VALIDATION_RULES, type RuleId } from './rules';
import type { StoredLog, Violation } from './types';

function logViolation(rule: RuleId, log: StoredLog, message: string): Violation {
  const v: Violation = {
    rule,
    severity: VALIDATION_RULES[rule].severity,
    segmentId: log.traceContext?.traceSegmentId ?? '',
    traceId: log.traceContext?.traceId ?? '',
    service: log.service,
    message,
  };
  if (log.traceContext != null && log.traceContext.traceSegmentId !== '') v.spanId = log.traceContext.spanId;
  return v;
}

/** What the OAP needs of a log on its own (service and a body). */
export function validateLog(log: StoredLog): Violation[] {
  const out: Violation[] = [];
  if (log.service === '') out.push(logViolation('log.fields', log, 'the log has no service'));
  if (log.traceContext !== null && log.traceContext.traceId === '') {
    out.push(logViolation('log.trace-context', log, 'the trace context names a segment but no trace id'));
  }
  return out;
}

export function checkLogContexts(logs: StoredLog[], segmentOf: (id: string) => SegmentObject | undefined): Violation[] {
  const out: Violation[] = [];
  for (const log of logs) {
    out.push(...validateLog(log));
    const context = log.traceContext;
    if (context === null || context.traceSegmentId === '') continue;
    const segment = segmentOf(context.traceSegmentId);
    if (segment === undefined) continue;
    if (segment.traceId !== context.traceId) {
      out.push(logViolation('log.trace-context', log, `segment ${segment.traceSegmentId} belongs to trace ${segment.traceId}, not ${context.traceId}`));
    } else if (!segment.spans.some((span) => span.spanId === context.spanId)) {
      out.push(logViolation('log.span', log, `segment ${segment.traceSegmentId} has no span ${context.spanId}`));
    } else if (segment.service !== log.service) {
      out.push(logViolation('log.service', log, `the log's service ${log.service} is not its segment's (${segment.service})`));
    }
  }
  return out;
}
