/*
 * The incubating attribute names and values this instrumentation emits, copied from
 * @opentelemetry/semantic-conventions/incubating (1.45.0) as OpenTelemetry contrib does: the
 * incubating entry point may change in a minor release, so it is never imported. Stable keys
 * (server.*, network.peer.*, error.type) are imported from @opentelemetry/semantic-conventions.
 */
import { MQ_TOPIC_ATTRIBUTE, TRANSMISSION_LATENCY_ATTRIBUTE } from '@otel-skywalking/core';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system' as const;
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type' as const;
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name' as const;
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name' as const;
export const ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME = 'messaging.destination.subscription.name' as const;
export const ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key' as const;
export const ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG = 'messaging.rabbitmq.message.delivery_tag' as const;
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id' as const;
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = 'messaging.message.conversation_id' as const;

/** `messaging.system` value for RabbitMQ. */
export const MESSAGING_SYSTEM_VALUE_RABBITMQ = 'rabbitmq' as const;
/** `messaging.operation.type` values. */
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = 'send' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = 'process' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_RECEIVE = 'receive' as const;

/**
 * `messaging.operation.name` values: system-specific, so not in the conventions' tables.
 * basic.publish, a delivery to a basic.consume handler, basic.get.
 */
export const OPERATION_NAME_PUBLISH = 'publish';
export const OPERATION_NAME_PROCESS = 'process';
export const OPERATION_NAME_RECEIVE = 'receive';

/**
 * @deprecated Use `TRANSMISSION_LATENCY_ATTRIBUTE` from `@otel-skywalking/core`: the same name
 * (the consumer's transmission latency in ms, the exporter's `transmission.latency` tag).
 */
export const ATTR_SKYWALKING_TRANSMISSION_LATENCY = TRANSMISSION_LATENCY_ATTRIBUTE;
/**
 * @deprecated Use `MQ_TOPIC_ATTRIBUTE` from `@otel-skywalking/core`: the same name (the exchange
 * alone, '' for the default exchange, as SkyWalking's `mq.topic`).
 */
export const ATTR_SKYWALKING_MQ_TOPIC = MQ_TOPIC_ATTRIBUTE;

/** Name RabbitMQ gives the default (nameless) exchange. */
export const DEFAULT_EXCHANGE = 'amq.default';
