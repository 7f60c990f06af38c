/**
 * The stats as OpenTelemetry metrics (only @opentelemetry/api), under OpenTelemetry's own names for
 * SDK self-observability where one exists (`otel.sdk.*`, with `otel.component.type` /
 * `otel.component.name` and `error.type`) and `skywalking.*` for what only this exporter has
 * (segments, bytes, truncations, buffers, the circuit). Observable instruments read the counters
 * at collection time, so the export path pays nothing for them; the export duration is a
 * histogram recorded once per export, in seconds.
 */
import type { Attributes, BatchObservableResult, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import type { ExporterStats } from './exporter-stats';
import { DROP_REASONS, type DropReason, type SkyWalkingExporterStats, type SkyWalkingSpanProcessorStats } from './types';
import { VERSION } from './version';

/** OpenTelemetry semantic conventions (SDK self-observability, development status): names as specified. */
const METRIC_EXPORTER_SPAN_EXPORTED = 'otel.sdk.exporter.span.exported';
const METRIC_EXPORTER_OPERATION_DURATION = 'otel.sdk.exporter.operation.duration';
const METRIC_PROCESSOR_SPAN_PROCESSED = 'otel.sdk.processor.span.processed';
const METRIC_PROCESSOR_QUEUE_SIZE = 'otel.sdk.processor.span.queue.size';
const METRIC_PROCESSOR_QUEUE_CAPACITY = 'otel.sdk.processor.span.queue.capacity';
const ATTR_COMPONENT_TYPE = 'otel.component.type';
const ATTR_COMPONENT_NAME = 'otel.component.name';
const ATTR_ERROR_TYPE = 'error.type';

/** Ours. */
const METRIC_SEGMENTS = 'skywalking.exporter.segments';
const METRIC_BYTES = 'skywalking.exporter.bytes';
const METRIC_TRUNCATIONS = 'skywalking.exporter.truncations';
const METRIC_BUFFERED = 'skywalking.exporter.buffered';
const METRIC_CIRCUIT_OPEN = 'skywalking.exporter.circuit.open';

/** Drops before a span reaches the exporter: the processor's (`otel.sdk.processor.span.processed`). */
const PROCESSOR_REASONS: ReadonlySet<DropReason> = new Set(['queue_full', 'held_full', 'span_limit', 'segment_closed']);

const instances = new Map<string, number>();

/** `otel.component.name`: the type and a number per instance, as the SDK's own components do. */
function componentName(type: string): string {
  const n = instances.get(type) ?? 0;
  instances.set(type, n + 1);
  return `${type}/${n}`;
}

export function registerExporterMetrics(
  meterProvider: MeterProvider,
  read: () => SkyWalkingExporterStats | SkyWalkingSpanProcessorStats,
  stats: ExporterStats,
  processor?: { queueCapacity: number },
): void {
  const meter = meterProvider.getMeter('@otel-skywalking/exporter', VERSION);
  const exporterComponent: Attributes = { [ATTR_COMPONENT_TYPE]: 'skywalking_trace_exporter' };
  exporterComponent[ATTR_COMPONENT_NAME] = componentName('skywalking_trace_exporter');
  const processorComponent: Attributes = { [ATTR_COMPONENT_TYPE]: 'skywalking_span_processor' };
  if (processor !== undefined) processorComponent[ATTR_COMPONENT_NAME] = componentName('skywalking_span_processor');

  const exported = meter.createObservableCounter(METRIC_EXPORTER_SPAN_EXPORTED, {
    description: 'Spans whose export finished: delivered to the OAP, or failed (error.type is the drop reason).',
    unit: '{span}',
  });
  const processed = meter.createObservableCounter(METRIC_PROCESSOR_SPAN_PROCESSED, {
    description: 'Spans the processor finished with: handed to the exporter, or dropped before it (error.type is the reason).',
    unit: '{span}',
  });
  const queueSize = meter.createObservableUpDownCounter(METRIC_PROCESSOR_QUEUE_SIZE, {
    description: 'Spans in the export queue.',
    unit: '{span}',
  });
  const queueCapacity = meter.createObservableUpDownCounter(METRIC_PROCESSOR_QUEUE_CAPACITY, {
    description: 'Spans the export queue holds at most.',
    unit: '{span}',
  });
  const segments = meter.createObservableCounter(METRIC_SEGMENTS, {
    description: 'Segments delivered to the OAP (no error.type) or dropped (error.type is the reason).',
    unit: '{segment}',
  });
  const bytes = meter.createObservableCounter(METRIC_BYTES, {
    description: 'Encoded bytes of delivered segments.',
    unit: 'By',
  });
  const truncations = meter.createObservableCounter(METRIC_TRUNCATIONS, {
    description: 'Names, ids and tag values cut to the OAP limits.',
    unit: '{value}',
  });
  const buffered = meter.createObservableGauge(METRIC_BUFFERED, {
    description: 'Items waiting in each bounded buffer (buffer=queue|held|assembling spans, pending segments, streams in flight).',
    unit: '{item}',
  });
  const circuit = meter.createObservableGauge(METRIC_CIRCUIT_OPEN, {
    description: '1 while the circuit to the OAP is open or half-open, else 0.',
    unit: '1',
  });
  const duration = meter.createHistogram(METRIC_EXPORTER_OPERATION_DURATION, {
    description: 'Duration of one export call to the OAP.',
    unit: 's',
  });
  const failed = new Map<string, Attributes>();
  stats.latencyHistogram = {
    record: (ms: number, outcome: 'success' | DropReason) => {
      let attributes = exporterComponent;
      if (outcome !== 'success') {
        attributes = failed.get(outcome) ?? { ...exporterComponent, [ATTR_ERROR_TYPE]: outcome };
        failed.set(outcome, attributes);
      }
      duration.record(ms / 1000, attributes);
    },
  };
  meter.addBatchObservableCallback(
    (result) => {
      const s = read();
      let handedOn = s.spansExported;
      result.observe(exported, s.spansExported, exporterComponent);
      result.observe(segments, s.segmentsExported, exporterComponent);
      for (const reason of DROP_REASONS) {
        const spans = s.droppedSpans[reason];
        if (spans > 0) {
          const isProcessor = PROCESSOR_REASONS.has(reason);
          if (!isProcessor) handedOn += spans;
          if (processor !== undefined && isProcessor) result.observe(processed, spans, { ...processorComponent, [ATTR_ERROR_TYPE]: reason });
          else if (!isProcessor) result.observe(exported, spans, { ...exporterComponent, [ATTR_ERROR_TYPE]: reason });
        }
        if (s.droppedSegments[reason] > 0) {
          result.observe(segments, s.droppedSegments[reason], { ...exporterComponent, [ATTR_ERROR_TYPE]: reason });
        }
      }
      result.observe(bytes, s.bytesExported, exporterComponent);
      result.observe(truncations, s.truncations, exporterComponent);
      observeBuffers(result, buffered, s);
      result.observe(circuit, s.circuit.state === 'closed' ? 0 : 1, { state: s.circuit.state });
      if (processor !== undefined && 'queuedSpans' in s) {
        result.observe(processed, handedOn, processorComponent);
        result.observe(queueSize, s.queuedSpans, processorComponent);
        result.observe(queueCapacity, processor.queueCapacity, processorComponent);
      }
    },
    [exported, processed, queueSize, queueCapacity, segments, bytes, truncations, buffered, circuit],
  );
}

function observeBuffers(
  result: BatchObservableResult,
  gauge: ObservableGauge,
  s: SkyWalkingExporterStats | SkyWalkingSpanProcessorStats,
): void {
  result.observe(gauge, s.assemblingSpans, { buffer: 'assembling' });
  result.observe(gauge, s.pendingSegments, { buffer: 'pending' });
  result.observe(gauge, s.inFlightStreams, { buffer: 'in_flight' });
  if ('queuedSpans' in s) {
    result.observe(gauge, s.queuedSpans, { buffer: 'queue' });
    result.observe(gauge, s.heldSpans, { buffer: 'held' });
  }
}
