/**
 * The stats as OpenTelemetry metrics (only @opentelemetry/api): observable counters and gauges
 * read the counters at collection time, so the export path pays nothing for them; the export
 * duration is a histogram recorded once per export.
 */
import type { BatchObservableResult, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { DROP_REASONS, type ExporterStats } from './exporter-stats';
import type { SkyWalkingExporterStats, SkyWalkingSpanProcessorStats } from './types';
import { VERSION } from './version';

export function registerExporterMetrics(
  meterProvider: MeterProvider,
  read: () => SkyWalkingExporterStats | SkyWalkingSpanProcessorStats,
  stats: ExporterStats,
): void {
  const meter = meterProvider.getMeter('@otel-skywalking/exporter', VERSION);
  const spans = meter.createObservableCounter('otel.skywalking.exporter.spans', {
    description: 'Spans delivered to the SkyWalking collector (outcome=exported) or dropped (outcome=dropped, by reason).',
    unit: '{span}',
  });
  const segments = meter.createObservableCounter('otel.skywalking.exporter.segments', {
    description: 'Segments delivered to the SkyWalking collector or dropped, by reason.',
    unit: '{segment}',
  });
  const bytes = meter.createObservableCounter('otel.skywalking.exporter.bytes', {
    description: 'Encoded bytes of delivered segments.',
    unit: 'By',
  });
  const truncations = meter.createObservableCounter('otel.skywalking.exporter.truncations', {
    description: 'Names, ids and tag values cut to the OAP limits.',
    unit: '{value}',
  });
  const buffered = meter.createObservableGauge('otel.skywalking.exporter.buffered', {
    description: 'Items waiting in each bounded buffer (buffer=queue|held|assembling spans, pending segments, streams in flight).',
    unit: '{item}',
  });
  const circuit = meter.createObservableGauge('otel.skywalking.exporter.circuit.open', {
    description: '1 while the circuit to the collector is open or half-open, else 0.',
    unit: '1',
  });
  stats.latencyHistogram = meter.createHistogram('otel.skywalking.exporter.export.duration', {
    description: 'Time from the start of an export to its outcome.',
    unit: 'ms',
  });
  meter.addBatchObservableCallback(
    (result) => {
      const s = read();
      result.observe(spans, s.spansExported, { outcome: 'exported' });
      result.observe(segments, s.segmentsExported, { outcome: 'exported' });
      for (const reason of DROP_REASONS) {
        if (s.droppedSpans[reason] > 0) result.observe(spans, s.droppedSpans[reason], { outcome: 'dropped', reason });
        if (s.droppedSegments[reason] > 0) {
          result.observe(segments, s.droppedSegments[reason], { outcome: 'dropped', reason });
        }
      }
      result.observe(bytes, s.bytesExported);
      result.observe(truncations, s.truncations);
      observeBuffers(result, buffered, s);
      result.observe(circuit, s.circuit.state === 'closed' ? 0 : 1, { state: s.circuit.state });
    },
    [spans, segments, bytes, truncations, buffered, circuit],
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
