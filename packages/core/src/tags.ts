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
