/**
 * The SkyWalking pieces for an existing OpenTelemetry NodeSDK setup, in one spread:
 *   new NodeSDK({ ...skyWalkingSdkOptions(), instrumentations: [...] })
 * The processor exports native segments, the propagator joins SkyWalking agents (sw8) and W3C
 * services, the sampler keeps SkyWalking's knobs. Exporting alone would lose the cross-process
 * references that the OAP draws the topology from, so the three come together.
 */
import { diag, type TextMapPropagator } from '@opentelemetry/api';
import { SkyWalkingSpanProcessor, type SkyWalkingSpanProcessorOptions } from '@otel-skywalking/exporter';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SkyWalkingSampler, samplerOptionsFromEnv, type SkyWalkingSamplerOptions } from '@otel-skywalking/sampler';
import { sdk1xInApp } from './app-checks';
import { samplerOptionsFromOtelEnv, type ConfigProblem } from './config';
import { printNotice } from './notice';
import { trackStats } from './stats';

export interface SkyWalkingSdkOptions {
  /** One processor, typed as ours: `options.spanProcessors[0].getStats()` needs no cast (stats() reads it too). */
  spanProcessors: [SkyWalkingSpanProcessor];
  textMapPropagator: TextMapPropagator;
  sampler: SkyWalkingSampler;
}

export function skyWalkingSdkOptions(
  options: { exporter?: SkyWalkingSpanProcessorOptions; sampler?: SkyWalkingSamplerOptions; env?: NodeJS.ProcessEnv } = {},
): SkyWalkingSdkOptions {
  const env = options.env ?? process.env;
  const problems: ConfigProblem[] = [];
  const sampler = new SkyWalkingSampler({ ...samplerOptionsFromEnv(env), ...samplerOptionsFromOtelEnv(problems, env), ...options.sampler });
  for (const problem of problems) diag.warn(`otel-skywalking: ${problem.message}`);
  const processor = new SkyWalkingSpanProcessor(options.exporter ?? {}, env);
  const sdk1x = sdk1xInApp();
  if (sdk1x !== undefined) {
    // SDK 1.x spans have another shape (parentSpanId, instrumentationLibrary): refuse them whole
    // rather than send segments without their parents; every span is counted as dropped.
    printNotice(
      `this app uses OpenTelemetry JS SDK 1.x (${sdk1x}); skyWalkingSdkOptions() needs SDK 2.x ` +
        '(@opentelemetry/sdk-node >= 0.200, @opentelemetry/sdk-trace-base >= 2.0): upgrade them, or use ' +
        "@otel-skywalking/node's start() or register instead of NodeSDK (they bring their own SDK 2.x). " +
        'Spans of this NodeSDK are not exported.',
    );
    void processor.shutdown();
  }
  trackStats({ processor, sampler });
  return { spanProcessors: [processor], textMapPropagator: createSkyWalkingPropagator(), sampler };
}
