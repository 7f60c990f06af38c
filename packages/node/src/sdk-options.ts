/**
 * The SkyWalking pieces for an existing OpenTelemetry NodeSDK setup, in one spread:
 *   new NodeSDK({ ...skyWalkingSdkOptions(), instrumentations: [...] })
 * The processor exports native segments, the propagator joins SkyWalking agents (sw8) and W3C
 * services, the sampler keeps SkyWalking's knobs. Exporting alone would lose the cross-process
 * references that the OAP draws the topology from, so the three come together.
 */
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TextMapPropagator } from '@opentelemetry/api';
import { SkyWalkingSpanProcessor, type SkyWalkingSpanProcessorOptions } from '@otel-skywalking/exporter';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSampler, samplerOptionsFromEnv, type SkyWalkingSamplerOptions } from '@otel-skywalking/sampler';

export interface SkyWalkingSdkOptions {
  spanProcessors: SpanProcessor[];
  textMapPropagator: TextMapPropagator;
  sampler: Sampler;
}

export function skyWalkingSdkOptions(
  options: { exporter?: SkyWalkingSpanProcessorOptions; sampler?: SkyWalkingSamplerOptions } = {},
): SkyWalkingSdkOptions {
  return {
    spanProcessors: [new SkyWalkingSpanProcessor(options.exporter ?? {})],
    textMapPropagator: createSkyWalkingPropagator(),
    sampler: new SkyWalkingSampler({ ...samplerOptionsFromEnv(), ...options.sampler }),
  };
}
