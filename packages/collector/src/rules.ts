/**
 * The rules the collector checks, one definition each, with the OAP behaviour each one stands for
 * (see /docs/collector.md and the protocol reference §4, §7).
 */
import { MAX_ENDPOINT_NAME_LENGTH, MAX_ID_LENGTH, MAX_SEARCHABLE_TAG_LENGTH, MAX_SERVICE_NAME_LENGTH } from '@otel-skywalking/core';

/** How bad a violation is for the OAP. */
export type ViolationSeverity =
  /** The OAP drops, misreads or cannot link the data (broken trace tree, missing topology edge). */
  | 'error'
  /** The OAP accepts the data but changes or degrades it (truncated names, "User" endpoints, ignored tags). */
  | 'warning';

export interface ValidationRule {
  severity: ViolationSeverity;
  /** What the rule asks of a segment. */
  description: string;
  /** What the OAP does, and where, when the rule is broken. */
  oapBehaviour: string;
}

export const VALIDATION_RULES = {
  'segment.empty': {
    severity: 'error',
    description: 'A segment has at least one span.',
    oapBehaviour: 'SegmentParserServiceImpl drops segments with 0 spans.',
  },
  'segment.ids': {
    severity: 'error',
    description: 'traceId, traceSegmentId, service and serviceInstance are non-empty.',
    oapBehaviour: 'Ids and names key every record (SegmentRecord, IDManager); blanks become `_blank` services or unlinkable segments.',
  },
  'segment.id-length': {
    severity: 'error',
    description: `traceId and traceSegmentId are at most ${MAX_ID_LENGTH} characters.`,
    oapBehaviour: `SegmentRecord stores trace_id and segment_id in ${MAX_ID_LENGTH}-character columns.`,
  },
  'segment.duplicate-id': {
    severity: 'error',
    description: 'Each traceSegmentId is received once.',
    oapBehaviour: 'Refs and the trace view key spans by segment id + span id; a reused id merges unrelated spans.',
  },
  'segment.name-length': {
    severity: 'warning',
    description: `service and serviceInstance are at most ${MAX_SERVICE_NAME_LENGTH} characters.`,
    oapBehaviour: `NamingControl truncates service and instance names to ${MAX_SERVICE_NAME_LENGTH} characters.`,
  },
  'span.first': {
    severity: 'error',
    description: 'Every segment has a span 0 with parentSpanId -1.',
    oapBehaviour: 'SegmentAnalysisListener.parseFirst fills segment id, service, instance and time bucket only from span 0.',
  },
  'span.duplicate-id': {
    severity: 'error',
    description: 'Span ids are unique within a segment.',
    oapBehaviour: 'The trace query keys spans by segmentId + "S" + spanId; duplicates collide.',
  },
  'span.parent': {
    severity: 'error',
    description: 'parentSpanId names another span of the same segment (only span 0 has -1).',
    oapBehaviour: 'The trace query turns spans whose parent key is unknown into separate roots (fragments).',
  },
  'span.type': {
    severity: 'error',
    description: 'spanType is Entry, Exit or Local and spanLayer a known layer.',
    oapBehaviour: 'TraceAnalyzer dispatches on spanType; other values are analysed by no listener.',
  },
  'span.exit-peer': {
    severity: 'error',
    description: 'Exit spans carry a non-empty peer.',
    oapBehaviour: 'RPCAnalysisListener.parseExit ignores exit spans with an empty peer: no edge, no virtual service.',
  },
  'span.operation-name': {
    severity: 'error',
    description: 'Every span has an operation name.',
    oapBehaviour: 'The entry span operation name is the endpoint; an empty one makes an unnamed endpoint.',
  },
  'span.endpoint-length': {
    severity: 'warning',
    description: `Entry span operation names are at most ${MAX_ENDPOINT_NAME_LENGTH} characters.`,
    oapBehaviour: `NamingControl truncates endpoint names to ${MAX_ENDPOINT_NAME_LENGTH} characters.`,
  },
  'span.time-unit': {
    severity: 'error',
    description: 'startTime and endTime are epoch milliseconds (years 2000-2100).',
    oapBehaviour: 'The OAP reads them as ms for latency and minute time buckets; seconds, micros or nanos land in the wrong bucket.',
  },
  'span.time-order': {
    severity: 'error',
    description: 'endTime >= startTime, and a span does not start before its parent in the same segment.',
    oapBehaviour: 'Latency = endTime - startTime; negative latencies and children before parents break metrics and the trace view.',
  },
  'tag.http-status-code': {
    severity: 'warning',
    description: 'The http.status_code tag is an integer.',
    oapBehaviour: 'RPCAnalysisListener parses http.status_code as an int; otherwise it logs and ignores it.',
  },
  'tag.searchable-length': {
    severity: 'warning',
    description: `Searchable tags (http.method, http.status_code, rpc.status_code, db.type, db.instance, mq.*) are at most ${MAX_SEARCHABLE_TAG_LENGTH} characters as key=value.`,
    oapBehaviour: 'Tag.TAG_LENGTH: longer searchable tags are left out of the index.',
  },
  'ref.fields': {
    severity: 'error',
    description: 'A ref names its trace, parent segment, parent span (>= 0), parent service and parent instance.',
    oapBehaviour: 'The trace query links by parentTraceSegmentId + "S" + parentSpanId; relations use parentService/Instance.',
  },
  'ref.trace-id': {
    severity: 'error',
    description: "A ref's traceId (and its parent segment's traceId) equal the segment's traceId.",
    oapBehaviour: 'The trace query loads one trace id; a parent under another trace id leaves the child a fragment.',
  },
  'ref.network-address': {
    severity: 'error',
    description: 'A CrossProcess ref on an entry span carries networkAddressUsedAtPeer.',
    oapBehaviour: 'NetworkAddressAliasMappingListener maps that address to this service; without it the client exit edge cannot join.',
  },
  'ref.parent-endpoint': {
    severity: 'warning',
    description: "A ref's parentEndpoint is set (and equals the parent segment's endpoint once it is received).",
    oapBehaviour: 'RPCAnalysisListener uses an empty parentEndpoint as "User" in endpoint relations.',
  },
  'ref.parent-span': {
    severity: 'error',
    description: 'Once the parent segment is received, it holds the referenced span (an Exit span for CrossProcess refs).',
    oapBehaviour: 'The trace query cannot find the parent key: the child becomes a separate root.',
  },
  'ref.parent-service': {
    severity: 'error',
    description: "A ref's parentService / parentServiceInstance equal the parent segment's.",
    oapBehaviour: 'Server-side relations are drawn from parentService; a wrong one draws an edge from the wrong node.',
  },
  'ref.peer-mismatch': {
    severity: 'error',
    description: "The client exit span's peer equals the server ref's networkAddressUsedAtPeer, byte for byte.",
    oapBehaviour: 'STAM: the exit peer is resolved through the alias the server recorded; a mismatch draws a second, virtual node instead of one edge.',
  },
  'log.fields': {
    severity: 'error',
    description: 'A log names its service.',
    oapBehaviour: 'LogData.service is required; the log analyzer keys the log by service.',
  },
  'log.trace-context': {
    severity: 'error',
    description: "A log's trace context names its trace, and the segment it names belongs to that trace.",
    oapBehaviour: 'The UI links a log to its trace by traceId and to its span by traceSegmentId + spanId; a wrong trace hides the log from the trace.',
  },
  'log.span': {
    severity: 'error',
    description: 'Once the segment a log names is received, it holds the span the log names.',
    oapBehaviour: 'The trace view shows a span\'s logs by segment id + span id; a span index that does not exist shows the log on no span.',
  },
  'log.service': {
    severity: 'warning',
    description: "A log's service equals the service of the segment it names.",
    oapBehaviour: 'Logs are listed per service; a log under another service is not found from its trace\'s service.',
  },
} as const satisfies Record<string, ValidationRule>;

export type RuleId = keyof typeof VALIDATION_RULES;
