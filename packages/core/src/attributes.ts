/**
 * Span attributes that users and instrumentations set for the SkyWalking mapping, read by the
 * exporter (one definition each).
 */

/** The SkyWalking component id of a span (a number), overriding the one the exporter would pick. */
export const COMPONENT_ID_ATTRIBUTE = 'skywalking.component.id';

/**
 * Milliseconds between a message's send time (sw8-x field 2) and the start of the consumer span
 * that processes it; reported as SkyWalking's `transmission.latency` tag.
 */
export const TRANSMISSION_LATENCY_ATTRIBUTE = 'skywalking.transmission.latency';

/**
 * The MQ topic as SkyWalking names it (`mq.topic`): for RabbitMQ the bare exchange name, '' for the
 * default exchange. Wins over `messaging.destination.name`, which semantic conventions make a
 * combined `{exchange}:{routing key}` name.
 */
export const MQ_TOPIC_ATTRIBUTE = 'skywalking.mq.topic';
