/** Limits of the SkyWalking protocol and of the OAP, one definition each. */

/** The OAP truncates service names to this many characters (SW_SERVICE_NAME_MAX_LENGTH). */
export const MAX_SERVICE_NAME_LENGTH = 70;
/** The OAP truncates instance names to this many characters (SW_INSTANCE_NAME_MAX_LENGTH). */
export const MAX_INSTANCE_NAME_LENGTH = 70;
/** The OAP truncates endpoint names to this many characters (SW_ENDPOINT_NAME_MAX_LENGTH). */
export const MAX_ENDPOINT_NAME_LENGTH = 150;
/** Storage columns for trace and segment ids hold this many characters. */
export const MAX_ID_LENGTH = 150;
/** Searchable tags longer than this are left out of the OAP's index. */
export const MAX_SEARCHABLE_TAG_LENGTH = 256;
/** Whole sw8 header value, per the propagation protocol's guidance. */
export const MAX_SW8_HEADER_LENGTH = 2048;
/** sw8-correlation: at most this many keys travel (Java agent: correlation.element_max_number). */
export const MAX_CORRELATION_KEYS = 3;
/** sw8-correlation: values longer than this are dropped (Java agent: correlation.value_max_length). */
export const MAX_CORRELATION_VALUE_LENGTH = 128;
/** Longest sw8-correlation header we parse; longer values are ignored whole. */
export const MAX_CORRELATION_HEADER_LENGTH = 2048;
/**
 * Longest binary header value (a Buffer, as AMQP and Kafka clients give them) decoded as trace context.
 * sw8 and sw8-correlation are ASCII and at most the lengths above, so a longer Buffer cannot hold one
 * we would parse: it is rejected before being copied into a string.
 */
export const MAX_CONTEXT_HEADER_BYTES = Math.max(MAX_SW8_HEADER_LENGTH, MAX_CORRELATION_HEADER_LENGTH);
/** Longest sw8-x header we parse. */
export const MAX_SW8X_HEADER_LENGTH = 128;
/** Largest span id a segment can carry (int32). */
export const MAX_SPAN_ID = 0x7fffffff;
/** The OAP's default gRPC message size limit (core.maxMessageSize). */
export const OAP_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;
/** Java agent default (agent.span_limit_per_segment); beyond it a segment is sent with isSizeLimited. */
export const DEFAULT_SPAN_LIMIT_PER_SEGMENT = 300;
