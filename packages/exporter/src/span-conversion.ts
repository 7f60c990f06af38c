/**
 * One OpenTelemetry span → one SkyWalking SpanObject: span type from the kind, layer and
 * component from the semantic conventions and the instrumentation scope, SkyWalking's well-known
 * tags, events as logs, limits applied and counted. Shared facts (peer, operation name, component
 * ids, tag keys, limits) come from @otel-skywalking/core. Nothing here throws on odd attributes.
 */
import * as api from '@opentelemetry/api';
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as core from '@otel-skywalking/core';
import type { SegmentRef } from '@otel-skywalking/core';
import {
  SpanLayer,
  SpanType,
  type KeyStringValuePair,
  type Log,
  type SegmentReference,
  type SpanObject,
} from '@otel-skywalking/core/protocol';
import { PLACEHOLDER_OPERATION_NAME, PLACEHOLDER_TAG } from './attributes';
import { EncodedKey } from './encoding/key-string-value-pair';
import type { ExporterStats } from './exporter-stats';
import type { TagAttributeFilter } from './types';

// Bound once: package indexes re-export through getters, which cost a call on every use.
const { SpanKind, SpanStatusCode } = api;
const {
  COMPONENT_ID_ATTRIBUTE,
  MQ_TOPIC_ATTRIBUTE,
  ComponentId,
  MAX_ENDPOINT_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_INSTANCE_NAME_LENGTH,
  MAX_SEARCHABLE_TAG_LENGTH,
  MAX_SERVICE_NAME_LENGTH,
  SEARCHABLE_TAG_KEYS,
  SwErrorLog,
  SwTag,
  TRANSMISSION_LATENCY_ATTRIBUTE,
  agentDbType,
  attrText: text,
  hasFact,
  isConnectionSpan,
  isHttpErrorStatus,
  operationName,
  peerAddress,
  readFact,
  redisDbIndexOf,
  redisKeyOf,
  swSpanOf,
} = core;

/** Log values (stack traces) may be longer than tags; this keeps one span's logs bounded. */
const MAX_LOG_VALUE_LENGTH = 8192;


/**
 * Attributes reported through a SkyWalking field or well-known tag, so not repeated as raw tags: every
 * key (current and deprecated) of the facts in core's SEMCONV_KEYS that become SkyWalking tags.
 */
const MAPPED_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...core.SEMCONV_KEYS.urlFull,
  ...core.SEMCONV_KEYS.httpMethod,
  ...core.SEMCONV_KEYS.httpStatus,
  ...core.SEMCONV_KEYS.rpcStatus,
  ...core.SEMCONV_KEYS.dbSystem,
  ...core.SEMCONV_KEYS.dbNamespace,
  ...core.SEMCONV_KEYS.dbStatement,
  ...core.SEMCONV_KEYS.redisDbIndex,
  ...core.SEMCONV_KEYS.messagingDestination,
  ...core.SEMCONV_KEYS.rabbitRoutingKey,
  MQ_TOPIC_ATTRIBUTE,
  COMPONENT_ID_ATTRIBUTE,
  TRANSMISSION_LATENCY_ATTRIBUTE,
]);

/** Parts of the URL a server span's `url` tag is built from: not repeated when it was built. */
const URL_PARTS: ReadonlySet<string> = new Set(['url.scheme', 'url.path', 'url.query', 'http.target', 'server.address', 'server.port']);

/** Parts of an address that went into the span's `peer`: not repeated as tags. */
const PEER_PARTS: ReadonlySet<string> = new Set(['server.address', 'server.port', 'net.peer.name', 'net.peer.port']);

/** db.system values SkyWalking treats as caches (virtual cache services, Cache layer). */
const CACHE_SYSTEMS: ReadonlySet<string> = new Set(['redis', 'memcached', 'valkey']);

const CACHE_WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'set', 'setex', 'setnx', 'psetex', 'mset', 'msetnx', 'getset', 'getdel', 'getex', 'append', 'del', 'unlink',
  'expire', 'expireat', 'pexpire', 'pexpireat', 'persist', 'rename', 'renamenx', 'incr', 'incrby', 'incrbyfloat',
  'decr', 'decrby', 'hset', 'hsetnx', 'hmset', 'hdel', 'hincrby', 'hincrbyfloat', 'lpush', 'rpush', 'lpushx',
  'rpushx', 'lpop', 'rpop', 'lset', 'lrem', 'ltrim', 'linsert', 'lmove', 'sadd', 'srem', 'spop', 'smove', 'zadd',
  'zrem', 'zincrby', 'zpopmin', 'zpopmax', 'xadd', 'xdel', 'xtrim', 'flushdb', 'flushall', 'add', 'replace',
  'prepend', 'cas', 'delete', 'touch',
]);

const DB_COMPONENTS: Readonly<Record<string, number>> = {
  mongodb: ComponentId.MONGODB,
  postgresql: ComponentId.POSTGRESQL,
  mysql: ComponentId.MYSQL,
  mariadb: ComponentId.MYSQL,
  redis: ComponentId.REDIS,
};

/** Component by instrumentation scope; a pair is [non-consumer/non-server, consumer/server]. */
const SCOPE_COMPONENTS: Readonly<Record<string, number | readonly [number, number]>> = {
  '@opentelemetry/instrumentation-http': [ComponentId.HTTP_CLIENT, ComponentId.HTTP_SERVER],
  '@opentelemetry/instrumentation-undici': ComponentId.HTTP_CLIENT,
  '@opentelemetry/instrumentation-express': ComponentId.EXPRESS,
  '@opentelemetry/instrumentation-koa': ComponentId.KOA,
  // fastify has no SkyWalking component: its spans are the HTTP server's
  '@fastify/otel': ComponentId.HTTP_SERVER,
  '@opentelemetry/instrumentation-mongodb': ComponentId.MONGODB,
  '@otel-skywalking/instrumentation-mongodb': ComponentId.MONGODB,
  '@opentelemetry/instrumentation-mongoose': ComponentId.MONGOOSE,
  '@opentelemetry/instrumentation-amqplib': [ComponentId.RABBITMQ_PRODUCER, ComponentId.RABBITMQ_CONSUMER],
  '@otel-skywalking/instrumentation-amqplib': [ComponentId.RABBITMQ_PRODUCER, ComponentId.RABBITMQ_CONSUMER],
  '@opentelemetry/instrumentation-kafkajs': [ComponentId.KAFKA_PRODUCER, ComponentId.KAFKA_CONSUMER],
  '@opentelemetry/instrumentation-grpc': ComponentId.GRPC,
  '@opentelemetry/instrumentation-pg': ComponentId.POSTGRESQL,
  '@opentelemetry/instrumentation-mysql': ComponentId.MYSQL,
  '@opentelemetry/instrumentation-mysql2': ComponentId.MYSQL,
  '@opentelemetry/instrumentation-redis': ComponentId.REDIS,
  '@opentelemetry/instrumentation-redis-4': ComponentId.REDIS,
  '@opentelemetry/instrumentation-ioredis': ComponentId.REDIS,
};

/** Epoch milliseconds of an HrTime. */
export function hrTimeToMillis(time: HrTime): number {
  return time[0] * 1000 + Math.floor(time[1] / 1e6);
}

function attributeText(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function spanTypeOf(kind: api.SpanKind): SpanType {
  switch (kind) {
    case SpanKind.SERVER:
    case SpanKind.CONSUMER:
      return SpanType.Entry;
    case SpanKind.CLIENT:
    case SpanKind.PRODUCER:
      return SpanType.Exit;
    default:
      return SpanType.Local;
  }
}

function dbSystemOf(attributes: Attributes): string | undefined {
  const system = attributes['db.system.name'] ?? attributes['db.system'];
  return typeof system === 'string' && system !== '' ? system : undefined;
}

function layerOf(attributes: Attributes): SpanLayer {
  const db = dbSystemOf(attributes);
  if (db !== undefined) return CACHE_SYSTEMS.has(db) ? SpanLayer.Cache : SpanLayer.Database;
  if (attributes['messaging.system'] !== undefined) return SpanLayer.MQ;
  if (hasFact(attributes, 'rpcSystem')) return SpanLayer.RPCFramework;
  if (
    attributes['http.request.method'] !== undefined ||
    attributes['http.method'] !== undefined ||
    attributes['url.full'] !== undefined ||
    attributes['http.url'] !== undefined ||
    attributes['http.route'] !== undefined
  ) {
    return SpanLayer.Http;
  }
  return SpanLayer.Unknown;
}

function componentOf(span: ReadableSpan, layer: SpanLayer): number {
  const attributes = span.attributes;
  const override = attributes[COMPONENT_ID_ATTRIBUTE];
  if (override !== undefined) {
    const id = typeof override === 'string' ? Number(override) : override;
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0x7fffffff) return id;
  }
  const inbound = span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
  // a framework (Express, Koa) ran under this HTTP entry span: the entry is the framework's, as the Node agent reports it
  const sw = span.kind === SpanKind.SERVER ? swSpanOf(span) : undefined;
  if (sw?.segment.entryComponent !== undefined && sw.spanId === 0) return sw.segment.entryComponent;
  const byScope = SCOPE_COMPONENTS[span.instrumentationScope?.name ?? ''];
  if (byScope !== undefined) return typeof byScope === 'number' ? byScope : byScope[inbound ? 1 : 0];
  switch (layer) {
    case SpanLayer.Database:
    case SpanLayer.Cache:
      return DB_COMPONENTS[dbSystemOf(attributes) ?? ''] ?? ComponentId.UNKNOWN;
    case SpanLayer.MQ: {
      const system = attributes['messaging.system'];
      if (system === 'rabbitmq') return inbound ? ComponentId.RABBITMQ_CONSUMER : ComponentId.RABBITMQ_PRODUCER;
      if (system === 'kafka') return inbound ? ComponentId.KAFKA_CONSUMER : ComponentId.KAFKA_PRODUCER;
      return ComponentId.UNKNOWN;
    }
    case SpanLayer.RPCFramework:
      return readFact(attributes, 'rpcSystem') === 'grpc' ? ComponentId.GRPC : ComponentId.UNKNOWN;
    case SpanLayer.Http:
      if (span.kind === SpanKind.SERVER) return ComponentId.HTTP_SERVER;
      if (span.kind === SpanKind.CLIENT) return ComponentId.HTTP_CLIENT;
      return ComponentId.UNKNOWN;
    default:
      return ComponentId.UNKNOWN;
  }
}

/** Compiled include/exclude lists of the tagAttributes option. */
class TagFilter {
  private readonly includeAll: boolean;
  private readonly include: Set<string>;
  private readonly includePrefixes: string[];
  private readonly exclude: Set<string>;
  private readonly excludePrefixes: string[];

  constructor(filter: TagAttributeFilter) {
    const split = (list: string[] | undefined): [Set<string>, string[]] => [
      new Set((list ?? []).filter((k) => !k.endsWith('*'))),
      (list ?? []).filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1)),
    ];
    [this.include, this.includePrefixes] = split(filter.include);
    [this.exclude, this.excludePrefixes] = split(filter.exclude);
    this.includeAll = filter.include === undefined || this.includePrefixes.includes('');
  }

  /** Whether an attribute becomes a tag of its own: not mapped to a SkyWalking tag, and allowed. */
  allows(key: string): boolean {
    return (
      !MAPPED_ATTRIBUTES.has(key) &&
      (this.includeAll || this.include.has(key) || this.includePrefixes.some((p) => key.startsWith(p))) &&
      !this.exclude.has(key) &&
      !this.excludePrefixes.some((p) => key.startsWith(p))
    );
  }
}

/** A tag key with what writing it takes, worked out once per key. */
export interface TagKey {
  readonly key: string;
  /** The key encoded for the segment's bytes; undefined for a key never written. */
  readonly encoded: EncodedKey;
  /** Longest value (characters) kept: a searchable key's key=value must fit the OAP's limit. */
  readonly maxValue: number;
}

/** What an attribute key becomes, decided once per key (attribute keys are few). */
interface AttributeKey {
  readonly key: string;
  /** Its tag when it is one of its own: not mapped to a SkyWalking field or tag, and allowed by tagAttributes. */
  readonly tag: TagKey | undefined;
  /** Part of a server span's built `url` tag, not repeated when that was built. */
  readonly urlPart: boolean;
  /** Part of the span's `peer`, not repeated when it has one. */
  readonly peerPart: boolean;
}

/** Attribute keys whose decision is kept; beyond it (ever new keys) each is decided anew. */
const MAX_KEPT_KEYS = 4096;

/**
 * Where a span's tags go: SegmentEncoder writes them straight into the segment's bytes (the export
 * path, no object per tag); toSpanObject without a sink collects them into the SpanObject.
 */
export interface TagSink {
  tag(key: TagKey, value: string): void;
}

/** Collects tags into an array (SpanObject.tags). */
class TagList implements TagSink {
  readonly tags: KeyStringValuePair[] = [];

  tag(key: TagKey, value: string): void {
    this.tags.push({ key: key.key, value });
  }
}

// Shared by the spans of the export path only (the encoder reads them); SpanObjects handed to callers
// (SegmentSerializer.toSegmentObjects) get arrays of their own.
const NO_TAGS: KeyStringValuePair[] = [];
const NO_LOGS: Log[] = [];

export interface SpanConversionOptions {
  tagAttributes: TagAttributeFilter;
  maxTagValueLength: number;
  /** HTTP entry spans with this status or higher are errors; 0: off. Default 400 (core's DEFAULT_HTTP_ERROR_STATUS). */
  httpErrorStatusThreshold?: number;
}

export class SpanConverter {
  private readonly filter: TagFilter;
  private readonly maxTagValueLength: number;
  private readonly httpErrorStatus: number;
  /** Each attribute key's decision and encoded bytes (at most MAX_KEPT_KEYS of them). */
  private readonly attributeKeys = new Map<string, AttributeKey>();
  /** SkyWalking's well-known tags, encoded once. */
  private readonly sw: Readonly<Record<keyof typeof SwTag, TagKey>>;
  // The current span's attributes that become tags of their own (tags() is not reentrant): kept
  // here, not in an array per span.
  private readonly ownKeys: AttributeKey[] = [];
  private readonly ownValues: (AttributeValue | undefined)[] = [];

  constructor(options: SpanConversionOptions, private readonly stats: ExporterStats) {
    this.filter = new TagFilter(options.tagAttributes);
    this.maxTagValueLength = options.maxTagValueLength;
    this.httpErrorStatus = options.httpErrorStatusThreshold ?? core.DEFAULT_HTTP_ERROR_STATUS;
    const sw: Partial<Record<keyof typeof SwTag, TagKey>> = {};
    for (const name of Object.keys(SwTag) as (keyof typeof SwTag)[]) sw[name] = this.tagKey(SwTag[name]);
    this.sw = sw as Record<keyof typeof SwTag, TagKey>;
  }

  private tagKey(key: string): TagKey {
    const max = SEARCHABLE_TAG_KEYS.has(key) ? MAX_SEARCHABLE_TAG_LENGTH - key.length - 1 : this.maxTagValueLength;
    return { key, encoded: new EncodedKey(key), maxValue: max };
  }

  private attributeKey(key: string): AttributeKey {
    let decided = this.attributeKeys.get(key);
    if (decided === undefined) {
      const own = this.filter.allows(key);
      const tag = own ? this.tagKey(key) : undefined;
      decided = { key, tag, urlPart: URL_PARTS.has(key), peerPart: PEER_PARTS.has(key) };
      if (this.attributeKeys.size < MAX_KEPT_KEYS) this.attributeKeys.set(key, decided);
    }
    return decided;
  }

  toSpanObject(
    span: ReadableSpan,
    spanId: number,
    parentSpanId: number,
    refs: SegmentReference[],
    skipAnalysis: boolean,
    /** Given: the tags are written to it and the SpanObject's tags stay empty. */
    tagSink?: TagSink,
  ): SpanObject {
    const attributes = span.attributes;
    let spanType = spanTypeOf(span.kind);
    const spanLayer = layerOf(attributes);
    const startTime = hrTimeToMillis(span.startTime);
    const endTime = span.ended ? Math.max(startTime, hrTimeToMillis(span.endTime)) : startTime;
    const isError =
      span.status.code === SpanStatusCode.ERROR ||
      (span.kind === SpanKind.SERVER && spanLayer === SpanLayer.Http && isHttpErrorStatus(attributes, this.httpErrorStatus));
    const name = operationName(span);
    // core cuts the name to the OAP's limit; a name of exactly that length was (almost surely) cut
    if (name.length === MAX_ENDPOINT_NAME_LENGTH) this.stats.truncations++;
    let peer = '';
    if (spanType === SpanType.Exit) {
      peer = swSpanOf(span)?.peer ?? peerAddress(attributes);
      // connection work (dns.lookup, pool checkouts) and calls without a known peer are no exits to a
      // peer: Local spans keep their time in the trace without a second or peerless database call
      if (peer === '' || isConnectionSpan(span)) {
        spanType = SpanType.Local;
        peer = '';
      }
    } else if (spanLayer === SpanLayer.MQ && spanType === SpanType.Entry) {
      peer = peerAddress(attributes);
    }
    const list = tagSink === undefined ? new TagList() : undefined;
    this.tags(span, spanLayer, peer !== '', tagSink ?? list!);
    const logs = this.logs(span, isError, endTime);
    return {
      spanId,
      parentSpanId,
      startTime,
      endTime,
      refs,
      operationName: name,
      peer,
      spanType,
      spanLayer,
      componentId: componentOf(span, spanLayer),
      isError,
      tags: list?.tags ?? NO_TAGS,
      logs: logs ?? (list === undefined ? NO_LOGS : []),
      skipAnalysis,
    };
  }

  /** A stand-in for a span that is not exported, so that span ids stay dense and refs stay valid. */
  placeholder(spanId: number, parentSpanId: number, startTime: number, endTime: number, refs: SegmentReference[]): SpanObject {
    return {
      spanId,
      parentSpanId,
      startTime,
      endTime: Math.max(startTime, endTime),
      refs,
      operationName: PLACEHOLDER_OPERATION_NAME,
      peer: '',
      spanType: SpanType.Local,
      spanLayer: SpanLayer.Unknown,
      componentId: ComponentId.UNKNOWN,
      isError: false,
      tags: [{ key: PLACEHOLDER_TAG, value: 'true' }],
      logs: [],
      // a placeholder has no real duration: keep it out of the OAP's metrics
      skipAnalysis: true,
    };
  }

  toReference(ref: SegmentRef): SegmentReference {
    return {
      refType: ref.refType,
      traceId: this.cut(ref.traceId, MAX_ID_LENGTH),
      parentTraceSegmentId: this.cut(ref.parentTraceSegmentId, MAX_ID_LENGTH),
      parentSpanId: ref.parentSpanId,
      parentService: this.cut(ref.parentService, MAX_SERVICE_NAME_LENGTH),
      parentServiceInstance: this.cut(ref.parentServiceInstance, MAX_INSTANCE_NAME_LENGTH),
      parentEndpoint: this.cut(ref.parentEndpoint, MAX_ENDPOINT_NAME_LENGTH),
      // not cut: it must equal the client's peer byte for byte (the OAP cuts both the same way)
      networkAddressUsedAtPeer: ref.networkAddressUsedAtPeer,
    };
  }

  /** Cuts a value to `max` characters, counting the truncation. */
  cut(value: string, max: number): string {
    if (value.length <= max) return value;
    this.stats.truncations++;
    return value.slice(0, max);
  }

  /**
   * One pass over the attributes picks the semantic-convention values SkyWalking has tags for
   * (the stable name wins over the older one) and collects the keys that become tags of their own.
   * The keys are core's SEMCONV_KEYS, spelled out as switch cases for this hot path.
   */
  private tags(span: ReadableSpan, layer: SpanLayer, hasPeer: boolean, tags: TagSink): void {
    const a = span.attributes;
    let url: AttributeValue | undefined;
    let urlOld: AttributeValue | undefined;
    let method: AttributeValue | undefined;
    let methodOld: AttributeValue | undefined;
    let status: AttributeValue | undefined;
    let statusOld: AttributeValue | undefined;
    let rpcStatus: AttributeValue | undefined;
    let rpcStatusOld: AttributeValue | undefined;
    let instance: AttributeValue | undefined;
    let instanceOld: AttributeValue | undefined;
    let statement: AttributeValue | undefined;
    let statementOld: AttributeValue | undefined;
    let operation: AttributeValue | undefined;
    let operationOld: AttributeValue | undefined;
    let messaging: AttributeValue | undefined;
    let topic: AttributeValue | undefined;
    let topicOld: AttributeValue | undefined;
    let swTopic: AttributeValue | undefined;
    let queue: AttributeValue | undefined;
    let queueOld: AttributeValue | undefined;
    let latency: AttributeValue | undefined;
    let own = 0;
    const sw = this.sw;
    for (const key in a) {
      const value = a[key];
      switch (key) {
        case 'url.full': url = value; continue;
        case 'http.url': urlOld = value; continue;
        case 'http.request.method': method = value; continue;
        case 'http.method': methodOld = value; continue;
        case 'http.response.status_code': status = value; continue;
        case 'http.status_code': statusOld = value; continue;
        case 'rpc.response.status_code': rpcStatus ??= value; continue;
        case 'rpc.status_code': rpcStatus = value; continue;
        case 'rpc.grpc.status_code': rpcStatusOld = value; continue;
        case 'db.namespace': instance = value; continue;
        case 'db.name': instanceOld = value; continue;
        case 'db.query.text': statement = value; continue;
        case 'db.statement': statementOld = value; continue;
        case 'messaging.destination.name': topic = value; continue;
        case MQ_TOPIC_ATTRIBUTE: swTopic = value; continue;
        case 'messaging.destination': topicOld = value; continue;
        case 'messaging.rabbitmq.destination.routing_key': queue = value; continue;
        case 'messaging.rabbitmq.routing_key': queueOld = value; continue;
        case TRANSMISSION_LATENCY_ATTRIBUTE: latency = value; continue;
        // read, and also kept as tags of their own
        case 'db.operation.name': operation = value; break;
        case 'db.operation': operationOld = value; break;
        case 'messaging.system': messaging = value; break;
      }
      const decided = this.attributeKey(key);
      if (decided.tag !== undefined) {
        this.ownKeys[own] = decided;
        this.ownValues[own++] = value;
      }
    }

    let urlText = text(url) ?? text(urlOld);
    let urlBuilt = false;
    if (urlText === undefined && span.kind === SpanKind.SERVER) {
      urlText = serverUrl(a);
      urlBuilt = urlText !== undefined;
    }
    if (urlText !== undefined) this.push(tags, sw.URL, urlText);
    const methodText = text(method) ?? text(methodOld);
    if (methodText !== undefined) this.push(tags, sw.HTTP_METHOD, methodText);
    const statusValue = status ?? statusOld;
    const statusCode = typeof statusValue === 'string' ? Number(statusValue) : statusValue;
    if (typeof statusCode === 'number' && Number.isInteger(statusCode)) this.push(tags, sw.HTTP_STATUS_CODE, String(statusCode));
    const rpcText = text(rpcStatus) ?? text(rpcStatusOld);
    if (rpcText !== undefined) this.push(tags, sw.RPC_STATUS_CODE, rpcText);

    const db = dbSystemOf(a);
    if (db !== undefined) {
      // db.type as SkyWalking's agents write it (PostgreSQL, Mysql, Redis); Redis' db.instance is the db index
      this.push(tags, sw.DB_TYPE, agentDbType(db));
      const instanceText = db === 'redis' ? redisDbIndexOf(a) ?? peerAddress(a) : text(instance) ?? text(instanceOld);
      if (instanceText !== undefined) this.push(tags, sw.DB_INSTANCE, instanceText);
      const statementText = text(statement) ?? text(statementOld);
      if (statementText !== undefined) this.push(tags, sw.DB_STATEMENT, statementText);
      if (layer === SpanLayer.Cache) {
        this.push(tags, sw.CACHE_TYPE, db);
        const command = (text(operation) ?? text(operationOld) ?? statementText?.split(' ', 1)[0])?.toLowerCase();
        if (command !== undefined && command !== '') {
          this.push(tags, sw.CACHE_CMD, command);
          this.push(tags, sw.CACHE_OP, CACHE_WRITE_COMMANDS.has(command) ? 'write' : 'read');
          const key = redisKeyOf(command, statementText);
          if (key !== undefined) this.push(tags, sw.CACHE_KEY, key);
        }
      }
    }

    if (messaging !== undefined) {
      const address = peerAddress(a);
      if (address !== '') this.push(tags, sw.MQ_BROKER, messaging === 'rabbitmq' ? `amqp://${address}` : address);
      // The instrumentation's SkyWalking topic wins, even when empty (RabbitMQ's default exchange, which
      // SkyWalking's Java agent also reports as an empty mq.topic).
      const topicText = typeof swTopic === 'string' ? swTopic : text(topic) ?? text(topicOld);
      if (topicText !== undefined) this.push(tags, sw.MQ_TOPIC, topicText);
      const queueText = text(queue) ?? text(queueOld);
      if (queueText !== undefined) this.push(tags, sw.MQ_QUEUE, queueText);
    }

    if (typeof latency === 'number' && Number.isFinite(latency)) {
      this.push(tags, sw.TRANSMISSION_LATENCY, String(Math.max(0, Math.round(latency))));
    }

    for (let i = 0; i < own; i++) {
      const key = this.ownKeys[i];
      const value = this.ownValues[i];
      this.ownValues[i] = undefined; // nothing of the span kept past its conversion
      if ((urlBuilt && key.urlPart) || (hasPeer && key.peerPart)) continue;
      const valueText = attributeText(value);
      if (valueText !== undefined) this.push(tags, key.tag!, valueText);
    }
  }

  private push(tags: TagSink, key: TagKey, value: string): void {
    tags.tag(key, this.cut(value, key.maxValue));
  }

  /** The span's logs; undefined when it has none. */
  private logs(span: ReadableSpan, isError: boolean, endTime: number): Log[] | undefined {
    const events = span.events;
    if (events.length === 0 && !(isError && span.status.message)) return undefined;
    const logs: Log[] = [];
    let errorLogged = false;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const attributes = event.attributes ?? {};
      const data: KeyStringValuePair[] = [];
      if (event.name === 'exception') {
        errorLogged = true;
        data.push({ key: SwErrorLog.EVENT, value: SwErrorLog.EVENT_ERROR });
        const kind = attributeText(attributes['exception.type']);
        if (kind !== undefined) data.push({ key: SwErrorLog.KIND, value: this.cut(kind, MAX_LOG_VALUE_LENGTH) });
        const message = attributeText(attributes['exception.message']);
        if (message !== undefined) data.push({ key: SwErrorLog.MESSAGE, value: this.cut(message, MAX_LOG_VALUE_LENGTH) });
        const stack = attributeText(attributes['exception.stacktrace']);
        if (stack !== undefined) data.push({ key: SwErrorLog.STACK, value: this.cut(stack, MAX_LOG_VALUE_LENGTH) });
        for (const key in attributes) {
          if (key === 'exception.type' || key === 'exception.message' || key === 'exception.stacktrace') continue;
          const value = attributeText(attributes[key]);
          if (value !== undefined) data.push({ key, value: this.cut(value, MAX_LOG_VALUE_LENGTH) });
        }
      } else {
        data.push({ key: SwErrorLog.EVENT, value: event.name });
        for (const key in attributes) {
          const value = attributeText(attributes[key]);
          if (value !== undefined) data.push({ key, value: this.cut(value, MAX_LOG_VALUE_LENGTH) });
        }
      }
      logs.push({ time: hrTimeToMillis(event.time), data });
    }
    // An error status with a message but no exception event still shows why in the UI.
    if (isError && !errorLogged && span.status.message) {
      logs.push({
        time: endTime,
        data: [
          { key: SwErrorLog.EVENT, value: SwErrorLog.EVENT_ERROR },
          { key: SwErrorLog.MESSAGE, value: this.cut(span.status.message, MAX_LOG_VALUE_LENGTH) },
        ],
      });
    }
    return logs;
  }
}

/** The request URL of a server span from the stable HTTP conventions (scheme, host, path, query). */
function serverUrl(a: Attributes): string | undefined {
  const path = text(a['url.path']) ?? text(a['http.target']);
  if (path === undefined) return undefined;
  const query = text(a['url.query']);
  const withQuery = query === undefined || path.includes('?') ? path : `${path}?${query}`;
  const scheme = text(a['url.scheme']);
  const host = text(a['server.address']);
  if (scheme === undefined || host === undefined) return withQuery;
  const port = text(a['server.port']);
  return `${scheme}://${host}${port === undefined ? '' : `:${port}`}${withQuery}`;
}
