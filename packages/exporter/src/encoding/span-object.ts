/**
 * SpanObject (language-agent/Tracing.proto). Protobuf fields may come in any order, so a span is
 * opened first, its tags follow as the converter reads the attributes (no object per tag), and
 * closeSpanObject() writes the other fields and the length.
 */
import type { SpanObject } from '@otel-skywalking/core/protocol';
import { writeKeyStringValuePair, type EncodedKey } from './key-string-value-pair';
import { writeLog } from './log';
import { writeSegmentReference } from './segment-reference';
import type { KeptStringField, WireWriter } from './wire';

/** SpanObject's field numbers. */
export const enum SpanObjectField {
  spanId = 1,
  parentSpanId = 2,
  startTime = 3,
  endTime = 4,
  refs = 5,
  operationName = 6,
  peer = 7,
  spanType = 8,
  spanLayer = 9,
  componentId = 10,
  isError = 11,
  tags = 12,
  logs = 13,
  skipAnalysis = 14,
}

/** Starts a span as field `field`; returns the mark closeSpanObject() needs. */
export function openSpanObject(w: WireWriter, field: number): number {
  return w.begin(field, 2);
}

/** A tag of the span being written. */
export function writeSpanTag(w: WireWriter, key: string, value: string): void {
  writeKeyStringValuePair(w, SpanObjectField.tags, key, value);
}

/** A tag of the span being written, its key encoded already. */
export function writeEncodedSpanTag(w: WireWriter, key: EncodedKey, value: string): void {
  key.write(w, SpanObjectField.tags, value);
}

/** Writes the span's fields (its tags too, if it has any as objects) and ends it; `peer` keeps the peer encoded. */
export function closeSpanObject(w: WireWriter, mark: number, span: SpanObject, peer?: KeptStringField): void {
  w.int32(SpanObjectField.spanId, span.spanId);
  w.int32(SpanObjectField.parentSpanId, span.parentSpanId);
  w.int64(SpanObjectField.startTime, span.startTime);
  w.int64(SpanObjectField.endTime, span.endTime);
  const refs = span.refs;
  for (let i = 0; i < refs.length; i++) writeSegmentReference(w, SpanObjectField.refs, refs[i]);
  w.str(SpanObjectField.operationName, span.operationName);
  if (peer === undefined) w.str(SpanObjectField.peer, span.peer);
  else peer.write(w, span.peer);
  w.int32(SpanObjectField.spanType, span.spanType);
  w.int32(SpanObjectField.spanLayer, span.spanLayer);
  w.int32(SpanObjectField.componentId, span.componentId);
  if (span.isError) w.bool(SpanObjectField.isError, true);
  const tags = span.tags;
  for (let i = 0; i < tags.length; i++) writeSpanTag(w, tags[i].key, tags[i].value);
  const logs = span.logs;
  for (let i = 0; i < logs.length; i++) writeLog(w, SpanObjectField.logs, logs[i]);
  if (span.skipAnalysis) w.bool(SpanObjectField.skipAnalysis, true);
  w.end(mark, 2);
}
