/**
 * Where a log record becomes a SkyWalking LogData: service and instance as the traces name them,
 * the endpoint of the segment the log was written in, the body as text (JSON for a structured
 * body), attributes and severity as tags, and the trace context our segments report.
 */
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { identityOf, swTraceIdOf } from '@otel-skywalking/core';
import type { KeyStringValuePair, LogData, LogTraceContext } from '@otel-skywalking/core/protocol';
import type { LogExporterConfig } from './config';
import { capturedLogContextOf } from './log-context';

/** The tag SkyWalking's agents and UI use for a log's severity. */
export const LEVEL_TAG = 'level';

export interface ConversionCounters {
  truncated: number;
  withoutCapturedContext: number;
}

/** OpenTelemetry's severity ranges, by their first number (1 trace, 5 debug, 9 info, 13 warn, 17 error, 21 fatal). */
const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function levelOf(record: Pick<ReadableLogRecord, 'severityText' | 'severityNumber'>): string {
  if (typeof record.severityText === 'string' && record.severityText !== '') return record.severityText;
  const n = record.severityNumber;
  if (typeof n === 'number' && n >= 1 && n <= 24) return SEVERITY_NAMES[Math.floor((n - 1) / 4)];
  return '';
}

function cut(value: string, max: number, counters: ConversionCounters): string {
  if (value.length <= max) return value;
  counters.truncated++;
  return value.slice(0, max);
}

/** JSON that never throws (cycles, BigInt): a value that cannot be written becomes its String(). */
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value !== null) return toJson(value);
  return String(value);
}

function traceContextOf(record: ReadableLogRecord, counters: ConversionCounters): { context: LogTraceContext | undefined; endpoint: string } {
  const captured = capturedLogContextOf(record);
  if (captured === null) return { context: undefined, endpoint: '' };
  if (captured !== undefined) {
    const segment = captured.segment;
    if (segment === undefined) return { context: { traceId: captured.traceId, traceSegmentId: '', spanId: 0 }, endpoint: '' };
    return { context: { traceId: captured.traceId, traceSegmentId: segment.id, spanId: captured.spanId }, endpoint: segment.endpoint };
  }
  // Not seen at emit: the OpenTelemetry ids alone tell the trace, not the segment.
  const spanContext = record.spanContext;
  if (spanContext === undefined) return { context: undefined, endpoint: '' };
  counters.withoutCapturedContext++;
  return { context: { traceId: swTraceIdOf(spanContext.traceId, spanContext.traceState), traceSegmentId: '', spanId: 0 }, endpoint: '' };
}

export function toLogData(record: ReadableLogRecord, config: LogExporterConfig, counters: ConversionCounters): LogData {
  const { context, endpoint } = traceContextOf(record, counters);
  const segment = capturedLogContextOf(record)?.segment;
  const { service, instance } = segment ?? identityOf(record.resource);

  const body = record.body;
  const structured = typeof body === 'object' && body !== null && !(body instanceof Uint8Array);
  const content = structured ? toJson(body) : body === undefined || body === null ? '' : attributeText(body);
  const text = cut(content, config.maxBodyLength, counters);

  const tags: KeyStringValuePair[] = [];
  const level = levelOf(record);
  if (level !== '') tags.push({ key: LEVEL_TAG, value: level });
  for (const [key, value] of Object.entries(record.attributes)) {
    if (value === undefined || key === LEVEL_TAG) continue;
    tags.push({ key, value: cut(attributeText(value), config.maxTagValueLength, counters) });
  }

  return {
    timestamp: Math.round(hrTimeToMilliseconds(record.hrTime)),
    service,
    serviceInstance: instance,
    endpoint,
    // A body cut to its limit is no longer valid JSON: it goes as text.
    body: structured && text.length === content.length ? { json: { json: text } } : { text: { text } },
    traceContext: context,
    tags: { data: tags },
    layer: config.layer,
  };
}
