/**
 * Attribute names and values this instrumentation emits: OpenTelemetry messaging semantic
 * conventions (RabbitMQ), plus the one SkyWalking-specific attribute the exporter turns into the
 * `transmission.latency` tag.
 */
import { MQ_TOPIC_ATTRIBUTE, TRANSMISSION_LATENCY_ATTRIBUTE } from '@otel-skywalking/core';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME = 'messaging.destination.subscription.name';
export const ATTR_MESSAGING_RABBITMQ_ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key';
export const ATTR_MESSAGING_RABBITMQ_DELIVERY_TAG = 'messaging.rabbitmq.message.delivery_tag';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = 'messaging.message.conversation_id';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
export const ATTR_ERROR_TYPE = 'error.type';

/**
 * SkyWalking's own attributes (defined in core): the consumer's transmission latency in ms, and
 * the exchange alone ('' for the default exchange) as SkyWalking's `mq.topic`, which semantic
 * conventions fold into `messaging.destination.name` and cannot be read back from unambiguously.
 */
export const ATTR_SKYWALKING_TRANSMISSION_LATENCY = TRANSMISSION_LATENCY_ATTRIBUTE;
export const ATTR_SKYWALKING_MQ_TOPIC = MQ_TOPIC_ATTRIBUTE;

export const MESSAGING_SYSTEM_RABBITMQ = 'rabbitmq';
export const OPERATION_TYPE_SEND = 'send';
export const OPERATION_TYPE_PROCESS = 'process';
export const OPERATION_TYPE_RECEIVE = 'receive';
/** basic.publish */
export const OPERATION_NAME_PUBLISH = 'publish';
/** a delivery to a basic.consume handler */
export const OPERATION_NAME_PROCESS = 'process';
/** basic.get */
export const OPERATION_NAME_RECEIVE = 'receive';

/** Name RabbitMQ gives the default (nameless) exchange. */
export const DEFAULT_EXCHANGE = 'amq.default';
