export { AmqplibInstrumentation, SUPPORTED_VERSIONS } from './instrumentation';
export { ATTR_SKYWALKING_MQ_TOPIC, ATTR_SKYWALKING_TRANSMISSION_LATENCY } from './semconv';
export type {
  AmqpMessage,
  AmqpPublishOptions,
  AmqplibInstrumentationConfig,
  AmqplibInstrumentationStats,
  ConsumeEndInfo,
  ConsumeEndOperation,
  ConsumeInfo,
  PublishConfirmInfo,
  PublishInfo,
} from './types';
