/**
 * SkyWalking component ids (OAP component-libraries.yml) with the names the OAP shows for them, one
 * table. Ids are never reused upstream, so they are safe to hard-code; 0 is "Unknown".
 */
const COMPONENTS = {
  UNKNOWN: [0, 'Unknown'],
  HTTP_CLIENT: [2, 'HttpClient'],
  MYSQL: [5, 'Mysql'],
  REDIS: [7, 'Redis'],
  MONGODB: [9, 'MongoDB'],
  POSTGRESQL: [22, 'PostgreSQL'],
  GRPC: [23, 'GRPC'],
  KAFKA_PRODUCER: [40, 'kafka-producer'],
  KAFKA_CONSUMER: [41, 'kafka-consumer'],
  HTTP_SERVER: [49, 'http'],
  RPC: [50, 'rpc'],
  RABBITMQ_PRODUCER: [52, 'rabbitmq-producer'],
  RABBITMQ_CONSUMER: [53, 'rabbitmq-consumer'],
  EXPRESS: [4002, 'Express'],
  KOA: [4004, 'Koa'],
  AXIOS: [4005, 'Axios'],
  MONGOOSE: [4006, 'Mongoose'],
} as const;

type Components = typeof COMPONENTS;

/** The id of each component, by constant name (ComponentId.HTTP_SERVER === 49). */
export const ComponentId = Object.freeze(
  Object.fromEntries(Object.entries(COMPONENTS).map(([key, [id]]) => [key, id])),
) as { readonly [K in keyof Components]: Components[K][0] };

export type ComponentIdValue = (typeof ComponentId)[keyof typeof ComponentId];

/** Names the OAP shows for the ids above (used by @otel-skywalking/collector's views). */
export const COMPONENT_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.values(COMPONENTS).map(([id, name]) => [id, name])),
);
