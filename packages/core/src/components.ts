/**
 * SkyWalking component ids (OAP component-libraries.yml). Ids are never reused upstream, so they
 * are safe to hard-code; 0 is "Unknown".
 */
export const ComponentId = {
  UNKNOWN: 0,
  HTTP_CLIENT: 2,
  MYSQL: 5,
  REDIS: 7,
  MONGODB: 9,
  POSTGRESQL: 22,
  GRPC: 23,
  KAFKA_PRODUCER: 40,
  KAFKA_CONSUMER: 41,
  HTTP_SERVER: 49,
  RPC: 50,
  RABBITMQ_PRODUCER: 52,
  RABBITMQ_CONSUMER: 53,
  EXPRESS: 4002,
  KOA: 4004,
  AXIOS: 4005,
  MONGOOSE: 4006,
} as const;

export type ComponentIdValue = (typeof ComponentId)[keyof typeof ComponentId];

/** Names the OAP shows for the ids above (used by the collector's views). */
export const COMPONENT_NAMES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  2: 'HttpClient',
  5: 'Mysql',
  7: 'Redis',
  9: 'MongoDB',
  22: 'PostgreSQL',
  23: 'GRPC',
  40: 'kafka-producer',
  41: 'kafka-consumer',
  49: 'http',
  50: 'rpc',
  52: 'rabbitmq-producer',
  53: 'rabbitmq-consumer',
  4002: 'Express',
  4004: 'Koa',
  4005: 'Axios',
  4006: 'Mongoose',
};
