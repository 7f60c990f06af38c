// The public surface of @otel-skywalking/core, name by name (no `export *`): what the other otel-skywalking
// packages and users build on. Helpers a module keeps for itself are not listed here.
export {
  MAX_SERVICE_NAME_LENGTH,
  MAX_INSTANCE_NAME_LENGTH,
  MAX_ENDPOINT_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_SEARCHABLE_TAG_LENGTH,
  MAX_SW8_HEADER_LENGTH,
  MAX_CORRELATION_KEYS,
  MAX_CORRELATION_VALUE_LENGTH,
  MAX_CORRELATION_HEADER_LENGTH,
  MAX_SW8X_HEADER_LENGTH,
  MAX_CONTEXT_HEADER_BYTES,
  MAX_SPAN_ID,
  OAP_MAX_MESSAGE_BYTES,
  DEFAULT_SPAN_LIMIT_PER_SEGMENT,
} from './limits';
export { SW8_HEADER, SW8_CORRELATION_HEADER, SW8_X_HEADER, AUTHENTICATION_METADATA_KEY, TRACESTATE_KEY, headerText } from './headers';
export { ComponentId, COMPONENT_NAMES, type ComponentIdValue } from './components';
export { COMPONENT_ID_ATTRIBUTE, TRANSMISSION_LATENCY_ATTRIBUTE, MQ_TOPIC_ATTRIBUTE } from './attributes';
export { SwTag, SwErrorLog, SEARCHABLE_TAG_KEYS } from './tags';
export { toOtelTraceId, toOtelSpanId, segmentIdFor, encodeTraceStateId, swTraceIdOf } from './ids';
export { type ServiceIdentity, setIdentityOverride, identityOf, resolveIdentity, observeResource, localIdentity } from './identity';
export { peerAddress, operationName, formatHostPort } from './semantics';
export {
  SEMCONV_KEYS,
  type SemconvFact,
  readFact,
  attrText,
  hasFact,
  isConnectionSpan,
  agentDbType,
  redisKeyOf,
  redisDbIndexOf,
  DEFAULT_HTTP_ERROR_STATUS,
  isHttpErrorStatus,
} from './span-mapping';
export { checkSw8Propagation, globalPropagatorWritesSw8 } from './propagation-check';
export {
  type IncomingSw8,
  setIncomingSw8,
  setIncomingSw8Raw,
  getIncomingSw8,
  getIncomingSw8Sampled,
  setSw8Extension,
  getSw8Extension,
  withSendTimestamp,
  wantsSendTimestamp,
} from './context';
export {
  RefType,
  type SegmentRef,
  type TrackableSpan,
  Segment,
  type SwSpan,
  isLeftOut,
  swSpanOf,
  type SegmentEndReason,
  type SegmentTrackerOptions,
  type SegmentTrackerStats,
  SegmentTracker,
} from './segment-tracker';
export { HELD_SPANS, type HeldSpans, SW8_HEADER_PIECES, type Sw8HeaderPieces, SW_LOG_CONTEXT } from './symbols';
export { getCoreStats, countRejected, countCorrelationDropped, type CoreStats } from './stats';
export { decodeSw8, encodeSw8, peekSw8, type Sw8Header } from './codec/sw8';
export { decodeCorrelation, encodeCorrelation, type CorrelationResult } from './codec/correlation';
export { decodeSw8Extension, encodeSw8Extension, type Sw8Extension } from './codec/sw8x';
export { decodeBase64, encodeBase64, encodeBase64Once } from './codec/base64';
export { ThrottledDiag, type ThrottledLevel } from './throttled-diag';
export { METER_NAME_PATTERN, MAX_METER_NAME_LENGTH, MAX_METER_LABELS, MAX_METER_LABEL_VALUE_LENGTH, toMeterName, isMeterName } from './meter-names';
export { isThenable } from './thenable';
export { settleWithin } from './settle-within';
export { transmissionLatency } from './transmission-latency';
export { reportEnvProblem, nonEmpty, envNumber, intOption, settingSource, parseSwitch } from './settings';
