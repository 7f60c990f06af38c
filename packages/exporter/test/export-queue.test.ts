/**
 * The processor's queue keeps the BatchSpanProcessor's semantics: sizes count spans, a full batch
 * leaves at once, one batch in flight, whole segments per batch, flushAll sends everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportQueue } from '../src/export-queue';
import type { EncodedSegment } from '../src/encoding/segment-collection';

function segment(spanCount: number): EncodedSegment {
  return { bytes: Buffer.alloc(10), spanCount };
}

interface Call {
  spans: number[];
  done: () => void;
}

function queueWith(settings: Partial<ConstructorParameters<typeof ExportQueue>[0]>): { queue: ExportQueue; calls: Call[] } {
  const calls: Call[] = [];
  const queue = new ExportQueue(
    { maxQueueSize: 10, maxExportBatchSize: 4, scheduledDelayMillis: 60_000, exportTimeoutMillis: 60_000, ...settings },
    (segments, spans, done) => calls.push({ spans: [...segments.map((s) => s.spanCount), ...spans.map(() => 1)], done }),
  );
  return { queue, calls };
}

test('room() counts spans against maxQueueSize', () => {
  const { queue } = queueWith({ maxExportBatchSize: 10 });
  queue.offerSegment(segment(6));
  assert.equal(queue.queuedSpans, 6);
  assert.equal(queue.room(4), true);
  assert.equal(queue.room(5), false);
  queue.stop();
});

test('a full batch leaves at once, of whole segments, one batch in flight at a time', async () => {
  const { queue, calls } = queueWith({});
  queue.offerSegment(segment(3));
  assert.equal(calls.length, 0, 'below maxExportBatchSize it waits for the timer');
  queue.offerSegment(segment(2));
  assert.deepEqual(calls.map((c) => c.spans), [[3]], 'the segment that would overflow the batch waits');
  queue.offerSegment(segment(3));
  assert.equal(calls.length, 1, 'the next batch waits for the one in flight');
  assert.equal(queue.queuedSpans, 5);
  calls[0].done();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls.map((c) => c.spans), [[3], [2]]);
  queue.stop();
});

test('flushAll() sends everything queued in batches and resolves when they called back', async () => {
  const { queue, calls } = queueWith({ maxExportBatchSize: 10, maxQueueSize: 20 });
  for (let i = 0; i < 5; i++) queue.offerSegment(segment(3));
  queue.offerSpan({} as never);
  let flushed = false;
  const flush = queue.flushAll().then(() => (flushed = true));
  assert.deepEqual(calls.map((c) => c.spans), [[3, 3, 3], [3, 3, 1]]);
  assert.equal(queue.queuedSpans, 0);
  calls[0].done();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(flushed, false);
  calls[1].done();
  await flush;
  assert.equal(flushed, true);
});
