/**
 * How an OpenTelemetry span maps to what SkyWalking's agents report: the one table of attribute keys
 * the mapping reads (current semantic conventions first, deprecated ones after), which spans are
 * connection bookkeeping rather than calls to a peer, and the agents' spellings of db types, entry
 * components, MQ endpoints and HTTP errors. Used by the tracker at span start and by the exporter.
 */
import { SpanKind, type Attributes, type AttributeValue } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  SEMATTRS_DB_NAME,
  SEMATTRS_DB_OPERATION,
  SEMATTRS_DB_REDIS_DATABASE_INDEX,
  SEMATTRS_DB_STATEMENT,
  SEMATTRS_DB_SYSTEM,
  SEMATTRS_HTTP_METHOD,
  SEMATTRS_HTTP_ROUTE,
  SEMATTRS_HTTP_STATUS_CODE,
  SEMATTRS_HTTP_TARGET,
  SEMATTRS_HTTP_URL,
  SEMATTRS_MESSAGING_DESTINATION,
  SEMATTRS_MESSAGING_KAFKA_CONSUMER_GROUP,
  SEMATTRS_MESSAGING_RABBITMQ_ROUTING_KEY,
  SEMATTRS_MESSAGING_SYSTEM,
  SEMATTRS_NET_PEER_IP,
  SEMATTRS_NET_PEER_NAME,
  SEMATTRS_NET_PEER_PORT,
  SEMATTRS_RPC_GRPC_STATUS_CODE,
  SEMATTRS_RPC_SYSTEM,
} from '@opentelemetry/semantic-conventions';
import { MQ_TOPIC_ATTRIBUTE } from './attributes';
import { ComponentId } from './components';

/**
 * Every attribute key the mapping reads, per fact: the current key first, then the deprecated ones
 * still written by older instrumentations. Keys the stable conventions do not define yet (messaging,
 * `rpc.response.status_code`) are spelled out; they are incubating.
 */
export const SEMCONV_KEYS = {
  httpMethod: [ATTR_HTTP_REQUEST_METHOD, SEMATTRS_HTTP_METHOD],
  httpStatus: [ATTR_HTTP_RESPONSE_STATUS_CODE, SEMATTRS_HTTP_STATUS_CODE],
  httpRoute: [ATTR_HTTP_ROUTE, SEMATTRS_HTTP_ROUTE],
  urlFull: [ATTR_URL_FULL, SEMATTRS_HTTP_URL],
  urlPath: [ATTR_URL_PATH, SEMATTRS_HTTP_TARGET],
  serverAddress: [ATTR_SERVER_ADDRESS, SEMATTRS_NET_PEER_NAME],
  serverPort: [ATTR_SERVER_PORT, SEMATTRS_NET_PEER_PORT],
  peerAddress: [ATTR_NETWORK_PEER_ADDRESS, SEMATTRS_NET_PEER_IP],
  peerPort: [ATTR_NETWORK_PEER_PORT, SEMATTRS_NET_PEER_PORT],
  rpcSystem: [ATTR_RPC_SYSTEM_NAME, SEMATTRS_RPC_SYSTEM],
  rpcStatus: ['rpc.response.status_code', ATTR_RPC_STATUS_CODE, SEMATTRS_RPC_GRPC_STATUS_CODE],
  dbSystem: [ATTR_DB_SYSTEM_NAME, SEMATTRS_DB_SYSTEM],
  dbNamespace: [ATTR_DB_NAMESPACE, SEMATTRS_DB_NAME],
  dbStatement: [ATTR_DB_QUERY_TEXT, SEMATTRS_DB_STATEMENT],
  dbOperation: [ATTR_DB_OPERATION_NAME, SEMATTRS_DB_OPERATION],
  redisDbIndex: [SEMATTRS_DB_REDIS_DATABASE_INDEX],
  messagingSystem: [SEMATTRS_MESSAGING_SYSTEM],
  messagingDestination: ['messaging.destination.name', SEMATTRS_MESSAGING_DESTINATION],
  rabbitRoutingKey: ['messaging.rabbitmq.destination.routing_key', SEMATTRS_MESSAGING_RABBITMQ_ROUTING_KEY],
  kafkaConsumerGroup: ['messaging.consumer.group.name', 'messaging.kafka.consumer.group', SEMATTRS_MESSAGING_KAFKA_CONSUMER_GROUP],
} as const satisfies Record<string, readonly string[]>;

export type SemconvFact = keyof typeof SEMCONV_KEYS;

/** A non-empty string (numbers as text) or undefined. */
export function attrText(value: AttributeValue | undefined): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The first attribute of a fact that is set (current key before deprecated ones), as text. */
export function readFact(attributes: Attributes, fact: SemconvFact): string | undefined {
  const keys = SEMCONV_KEYS[fact];
  for (let i = 0; i < keys.length; i++) {
    const value = attrText(attributes[keys[i]]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Whether any key of a fact is set. */
export function hasFact(attributes: Attributes, fact: SemconvFact): boolean {
  const keys = SEMCONV_KEYS[fact];
  for (let i = 0; i < keys.length; i++) if (attributes[keys[i]] !== undefined) return true;
  return false;
}

/** The surface of a span the mapping reads (SDK 2.x `instrumentationScope`, 1.x `instrumentationLibrary`). */
export interface MappedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly instrumentationScope?: { readonly name: string };
  readonly instrumentationLibrary?: { readonly name: string };
}

export function scopeNameOf(span: MappedSpan): string {
  return (span.instrumentationScope ?? span.instrumentationLibrary)?.name ?? '';
}

/** Instrumentations whose every span is connection bookkeeping (name resolution, socket connects). */
const CONNECTION_SCOPES: ReadonlySet<string> = new Set(['@opentelemetry/instrumentation-dns', '@opentelemetry/instrumentation-net']);

/** Connection spans of database clients, by scope: pool checkouts and connects, not queries. */
const CONNECTION_SPAN_NAMES: Readonly<Record<string, ReadonlySet<string>>> = {
  '@opentelemetry/instrumentation-pg': new Set(['pg-pool.connect', 'pg.connect']),
  '@opentelemetry/instrumentation-redis': new Set(['redis-connect']),
  '@opentelemetry/instrumentation-redis-4': new Set(['redis-connect']),
  '@opentelemetry/instrumentation-ioredis': new Set(['connect']),
};

/**
 * Whether a span is connection bookkeeping (dns.lookup, tcp.connect, pg-pool.connect, redis-connect,
 * ioredis connect) rather than a call to a peer. SkyWalking's agents report no span for these: inside a
 * segment they become Local spans (never Exits: no database call counted twice, no peerless exit);
 * a segment would start with one is left out (see SegmentTracker).
 */
export function isConnectionSpan(span: MappedSpan): boolean {
  const scope = scopeNameOf(span);
  if (CONNECTION_SCOPES.has(scope)) return true;
  return CONNECTION_SPAN_NAMES[scope]?.has(span.name) ?? false;
}

/**
 * Entry components of web frameworks, by the scope of a span the framework starts under the HTTP
 * server span. Express as the SkyWalking Node agent reports it (4002); Koa's own id (4004).
 */
const FRAMEWORK_ENTRY_COMPONENTS: Readonly<Record<string, number>> = {
  '@opentelemetry/instrumentation-express': ComponentId.EXPRESS,
  '@opentelemetry/instrumentation-koa': ComponentId.KOA,
};

/** The component an HTTP entry span takes when a span of this scope runs under it, if any. */
export function frameworkEntryComponent(scopeName: string): number | undefined {
  return FRAMEWORK_ENTRY_COMPONENTS[scopeName];
}

/** db.system values as SkyWalking's agents write `db.type`. Other systems are written as they are. */
const AGENT_DB_TYPES: Readonly<Record<string, string>> = {
  postgresql: 'PostgreSQL',
  mysql: 'Mysql',
  mariadb: 'Mysql',
  redis: 'Redis',
  mongodb: 'MongoDB',
  elasticsearch: 'Elasticsearch',
  memcached: 'Memcached',
  cassandra: 'cassandra',
};

/** The `db.type` tag for a db.system value, as SkyWalking's agents spell it. */
export function agentDbType(system: string): string {
  return AGENT_DB_TYPES[system] ?? system;
}

/** Redis commands without a key argument: no `cache.key` for them. */
const KEYLESS_COMMANDS: ReadonlySet<string> = new Set([
  'ping', 'info', 'select', 'auth', 'hello', 'client', 'config', 'flushdb', 'flushall', 'dbsize', 'time', 'multi',
  'exec', 'discard', 'quit', 'script', 'eval', 'evalsha', 'publish', 'subscribe', 'psubscribe', 'scan', 'keys',
  'cluster', 'command', 'connect', 'echo', 'save', 'bgsave', 'lastsave', 'monitor', 'role', 'slowlog', 'wait',
]);

/**
 * The key of a Redis command, as the Java agent's `cache.key` tag: the first argument of the
 * statement (`GET user:1`, `set user:1 [1 other arguments]`), when the command takes a key.
 */
export function redisKeyOf(command: string, statement: string | undefined): string | undefined {
  if (statement === undefined || KEYLESS_COMMANDS.has(command)) return undefined;
  const parts = statement.split(' ', 3);
  const key = parts[1];
  if (key === undefined || key === '' || key.startsWith('[')) return undefined;
  return key;
}

/**
 * The Redis database index (`db.instance` as the agents write it): the old `db.redis.database_index`,
 * else a numeric `db.namespace` (where the current conventions put it). Undefined when the span names
 * neither (OpenTelemetry's ioredis and node-redis instrumentations record no index): the exporter then
 * writes the peer address, as SkyWalking's Node agent does when it does not know the index.
 */
export function redisDbIndexOf(attributes: Attributes): string | undefined {
  const index = readFact(attributes, 'redisDbIndex');
  if (index !== undefined) return index;
  const namespace = readFact(attributes, 'dbNamespace');
  return namespace !== undefined && /^\d+$/.test(namespace) ? namespace : undefined;
}

/** Default lowest HTTP status of an entry span that SkyWalking's agents mark as an error. */
export const DEFAULT_HTTP_ERROR_STATUS = 400;

/**
 * Whether an HTTP entry span is an error by its status code, as SkyWalking's agents decide it
 * (status >= 400); `threshold` 0 turns the rule off (OpenTelemetry's rule, 5xx only through the span status).
 */
export function isHttpErrorStatus(attributes: Attributes, threshold: number): boolean {
  if (threshold <= 0) return false;
  const status = Number(readFact(attributes, 'httpStatus'));
  return Number.isInteger(status) && status >= threshold;
}

/**
 * The operation name of a messaging consumer span, low-cardinality as SkyWalking's agents name it:
 * RabbitMQ `RabbitMQ/<exchange>/<routingKey>/Consumer` (Node agent), Kafka
 * `Kafka/<topic>/Consumer/<group>` (Java agent). Never the queue name: server-named queues
 * (`amq.gen-…`) would create an endpoint per queue and restart. Undefined for other systems.
 */
export function messagingConsumerName(attributes: Attributes): string | undefined {
  const system = attrText(attributes[SEMATTRS_MESSAGING_SYSTEM]);
  if (system === 'rabbitmq') {
    const swTopic = attributes[MQ_TOPIC_ATTRIBUTE];
    const destination = readFact(attributes, 'messagingDestination');
    const routingKey = readFact(attributes, 'rabbitRoutingKey') ?? '';
    // `messaging.destination.name` is `{exchange}:{routing key}` in current conventions
    let exchange = typeof swTopic === 'string' ? swTopic : destination ?? '';
    if (typeof swTopic !== 'string' && routingKey !== '' && exchange.endsWith(`:${routingKey}`)) {
      exchange = exchange.slice(0, -routingKey.length - 1);
    }
    return `RabbitMQ/${exchange}/${routingKey}/Consumer`;
  }
  if (system === 'kafka') {
    const topic = readFact(attributes, 'messagingDestination') ?? '';
    const group = readFact(attributes, 'kafkaConsumerGroup');
    return group === undefined ? `Kafka/${topic}/Consumer` : `Kafka/${topic}/Consumer/${group}`;
  }
  return undefined;
}
