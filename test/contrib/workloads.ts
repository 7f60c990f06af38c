// Runs a workload of test/fixtures/contrib-workload.cjs in a child process against a collector and
// gives the spans it reported, with helpers to read SkyWalking tags.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { SegmentObject, SkyWalkingCollector, SpanObject } from '@otel-skywalking/collector';
import { SpanType } from '@otel-skywalking/core/protocol';

const run = promisify(execFile);
const FIXTURE = resolve(__dirname, '../../fixtures/contrib-workload.cjs');

/**
 * Runs one workload to its end (the provider shut down), checks that its processor dropped nothing, and
 * waits until the collector holds every segment it sent. Returns the workload's stderr.
 */
export async function runWorkload(collector: SkyWalkingCollector, grpc: string, workload: string, service: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [FIXTURE], {
    env: {
      ...process.env,
      WORKLOAD: workload,
      SW_AGENT_NAME: service,
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
    timeout: 60_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('{"done":true'));
  if (line === undefined) throw new Error(`workload ${workload} did not finish: ${stderr}`);
  const report = JSON.parse(line) as { segmentsExported: number; dropped: Record<string, number> };
  assert.deepEqual(report.dropped, {}, `${workload} dropped spans`);
  await collector.waitFor((c) => segmentsOf(c, service).length >= report.segmentsExported, 10_000);
  return stderr;
}

export function segmentsOf(collector: SkyWalkingCollector, service: string): SegmentObject[] {
  return collector.segments().filter((s) => s.service === service);
}

export function spansOf(collector: SkyWalkingCollector, service: string): SpanObject[] {
  return segmentsOf(collector, service).flatMap((s) => s.spans);
}

export function tagOf(span: SpanObject, key: string): string | undefined {
  return span.tags.find((t) => t.key === key)?.value;
}

export const entries = (spans: SpanObject[]): SpanObject[] => spans.filter((s) => s.spanType === SpanType.Entry);
export const exits = (spans: SpanObject[]): SpanObject[] => spans.filter((s) => s.spanType === SpanType.Exit);
export const locals = (spans: SpanObject[]): SpanObject[] => spans.filter((s) => s.spanType === SpanType.Local);

/** The collector's findings for one service. */
export function violationsOf(collector: SkyWalkingCollector, service: string): string[] {
  return collector
    .violations()
    .filter((v) => v.service === service)
    .map((v) => `${v.rule}: ${v.message}`);
}

/** Distinct values, sorted: operation-name cardinality checks. */
export function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** A unique service name per run, so concurrent runs on a shared machine never mix. */
export function serviceName(workload: string): string {
  return `contrib-${workload}-${process.pid}`;
}
