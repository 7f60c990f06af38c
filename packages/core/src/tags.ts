/** SkyWalking tag keys the OAP analyses or indexes (OAP SpanTags, Java agent Tags). */
export const SwTag = {
  URL: 'url',
  HTTP_METHOD: 'http.method',
  HTTP_STATUS_CODE: 'http.status_code',
  RPC_STATUS_CODE: 'rpc.status_code',
  DB_TYPE: 'db.type',
  DB_INSTANCE: 'db.instance',
  DB_STATEMENT: 'db.statement',
  CACHE_TYPE: 'cache.type',
  CACHE_OP: 'cache.op',
  CACHE_CMD: 'cache.cmd',
  CACHE_KEY: 'cache.key',
  MQ_BROKER: 'mq.broker',
  MQ_TOPIC: 'mq.topic',
  MQ_QUEUE: 'mq.queue',
  TRANSMISSION_LATENCY: 'transmission.latency',
} as const;

/** Keys of the error log the Java agent writes and the SkyWalking UI shows. */
export const SwErrorLog = {
  EVENT: 'event',
  EVENT_ERROR: 'error',
  KIND: 'error.kind',
  MESSAGE: 'message',
  STACK: 'stack',
} as const;

/** Tag keys the OAP indexes by default (SW_SEARCHABLE_TAG_KEYS); their key=value must fit MAX_SEARCHABLE_TAG_LENGTH. */
export const SEARCHABLE_TAG_KEYS: ReadonlySet<string> = new Set([
  SwTag.HTTP_METHOD,
  SwTag.HTTP_STATUS_CODE,
  SwTag.RPC_STATUS_CODE,
  SwTag.DB_TYPE,
  SwTag.DB_INSTANCE,
  SwTag.MQ_QUEUE,
  SwTag.MQ_TOPIC,
  SwTag.MQ_BROKER,
]);
