/**
 * SkyWalking's transmission latency of a consumed message, computed in one place for every
 * instrumentation and the span processor.
 */
import type { Context } from '@opentelemetry/api';
import { getSw8Extension } from './context';

/**
 * Milliseconds from the send timestamp in the extracted sw8-x to `startedAt` (the consumer span's
 * start), at least 0; undefined when the producer sent none. Both ends read the wall clock
 * (Date.now()): the producer's timestamp is its Date.now(), and only wall-clock times of two
 * processes (two hosts, NTP-synchronised) can be compared. A span's start time is
 * `performance.timeOrigin + performance.now()`, a monotonic clock that drifts from the wall clock
 * in a long-running process, so it is not used here.
 */
export function transmissionLatency(extracted: Context, startedAt: number = Date.now()): number | undefined {
  const sent = getSw8Extension(extracted)?.sendTimestamp;
  return sent === undefined ? undefined : Math.max(0, startedAt - sent);
}
