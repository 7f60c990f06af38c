/**
 * (d) One decision holds across a trace through three processes over real HTTP: whatever the
 * first service decides, the next two follow, even when their own rules would decide otherwise.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import type { SkyWalkingSamplerOptions } from '../src';
import type { HopMessage, HopSeen } from './fixtures/hop-process';
import { getAsClient } from './http';

type Report = Extract<HopMessage, { type: 'report' }>;

interface Hop {
  url: string;
  report(): Promise<Report>;
}

const HOP_SCRIPT = join(__dirname, 'fixtures', 'hop-process.js');
const children = new Set<ChildProcess>();

after(() => {
  // only if a test failed half-way: a reported hop has exited already
  for (const child of children) child.kill();
});

interface ChainEnv {
  /** One window for the whole run, so limits give exact counts. */
  HOP_FROZEN_CLOCK?: '1';
  /** gRPC address every hop reports to. */
  HOP_COLLECTOR?: string;
}

async function startHop(name: string, options: SkyWalkingSamplerOptions, next: Hop | undefined, extra: ChainEnv): Promise<Hop> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, HOP_NAME: name, HOP_SAMPLER_OPTIONS: JSON.stringify(options) };
  if (next !== undefined) env.HOP_NEXT_URL = next.url;
  const child = fork(HOP_SCRIPT, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  const exited = once(child, 'exit').then(() => children.delete(child));
  const [listening] = (await once(child, 'message')) as [HopMessage];
  assert.equal(listening.type, 'listening');
  return {
    url: `http://127.0.0.1:${(listening as { port: number }).port}`,
    async report() {
      const reply = once(child, 'message');
      child.send({ type: 'report' });
      const [message] = (await reply) as [HopMessage];
      await exited;
      assert.equal(message.type, 'report');
      return message as Report;
    },
  };
}

/** Starts the chain first → second → third, sends `count` requests, and collects the reports. */
async function runChain(
  count: number,
  first: SkyWalkingSamplerOptions,
  second: SkyWalkingSamplerOptions,
  third: SkyWalkingSamplerOptions,
  env: ChainEnv = {},
): Promise<Report[]> {
  const hop3 = await startHop('hop-3', third, undefined, env);
  const hop2 = await startHop('hop-2', second, hop3, env);
  const hop1 = await startHop('hop-1', first, hop2, env);
  for (let i = 0; i < count; i++) {
    const response = await getAsClient(`${hop1.url}/hop/${i}`);
    assert.equal(response.status, 200, response.body);
  }
  return [await hop1.report(), await hop2.report(), await hop3.report()];
}

function byId(seen: HopSeen[]): Map<string, HopSeen> {
  return new Map(seen.map((s) => [s.id, s]));
}

/** Every request's trace id is the same in all three processes. */
function assertOneTracePerRequest(reports: Report[], count: number): Array<Map<string, HopSeen>> {
  const maps = reports.map((r) => byId(r.seen));
  for (const map of maps) assert.equal(map.size, count);
  for (let i = 0; i < count; i++) {
    const traceIds = maps.map((m) => m.get(String(i))?.traceId);
    assert.match(traceIds[0] ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(traceIds, [traceIds[0], traceIds[0], traceIds[0]], `request ${i}`);
  }
  return maps;
}

function recordedTraces(report: Report): Set<string> {
  return new Set(report.recorded.map((r) => r.traceId));
}

describe('(d) one decision across three processes', () => {
  it('the first service samples out (ratio 0): the two after it, which would sample everything, record nothing', async () => {
    const reports = await runChain(10, { ratio: 0 }, {}, {});
    const maps = assertOneTracePerRequest(reports, 10);
    for (const [index, map] of maps.entries()) {
      for (const seen of map.values()) {
        assert.equal(seen.sampled, false);
        assert.equal(seen.recording, false);
        if (index > 0) {
          assert.equal(seen.incomingFlags, '00');
          assert.equal(seen.incomingSw8Sampled, false);
        }
      }
    }
    for (const report of reports) assert.deepEqual(report.recorded, []);
    assert.equal(reports[0].stats.notSampled.ratio, 10);
    assert.equal(reports[1].stats.notSampled.remoteParent, 10);
    assert.equal(reports[2].stats.notSampled.remoteParent, 10);
  });

  it('the first service samples 4 of 12: the others record exactly those 4, past their own limit, ratio and ignore rules', async () => {
    const reports = await runChain(
      12,
      { samplePer3Secs: 4 },
      { samplePer3Secs: 1, ratio: 0 },
      { ratio: 0, ignorePaths: '/hop/**' },
      { HOP_FROZEN_CLOCK: '1' },
    );
    const maps = assertOneTracePerRequest(reports, 12);
    const sampledIds = [...maps[0].values()].filter((s) => s.sampled).map((s) => s.id);
    assert.equal(sampledIds.length, 4);
    for (const map of maps) {
      assert.deepEqual(
        [...map.values()].filter((s) => s.sampled).map((s) => s.id),
        sampledIds,
      );
      for (const seen of map.values()) assert.equal(seen.recording, seen.sampled);
    }
    const sampledTraces = new Set(sampledIds.map((id) => maps[0].get(id)?.traceId));
    for (const report of reports) assert.deepEqual(recordedTraces(report), sampledTraces);
    // per sampled trace: entry and exit in the first two, the entry in the last
    assert.equal(reports[0].recorded.length, 8);
    assert.equal(reports[1].recorded.length, 8);
    assert.deepEqual(
      reports[2].recorded.map((r) => r.kind),
      [SpanKind.SERVER, SpanKind.SERVER, SpanKind.SERVER, SpanKind.SERVER],
    );
    assert.equal(reports[0].stats.notSampled.limit, 8);
    assert.equal(reports[1].stats.sampled.remoteParent, 4);
    assert.equal(reports[1].stats.window.used, 4, "followed traces count in the second service's window");
    assert.equal(reports[2].stats.sampled.remoteParent, 4);
    assert.equal(reports[2].stats.notSampled.remoteParent, 8);
  });

  it("remoteParentNotSampled: 'decide' lets the middle service record what the first sampled out, in the same trace", async () => {
    const reports = await runChain(5, { ratio: 0 }, { remoteParentNotSampled: 'decide' }, {});
    const maps = assertOneTracePerRequest(reports, 5);
    assert.deepEqual(reports[0].recorded, []);
    for (const seen of maps[1].values()) {
      assert.equal(seen.incomingFlags, '00');
      assert.equal(seen.sampled, true);
    }
    for (const seen of maps[2].values()) assert.equal(seen.incomingFlags, '01');
    assert.equal(reports[1].stats.sampled.root, 5);
    assert.equal(reports[2].stats.sampled.remoteParent, 5);
    assert.equal(recordedTraces(reports[2]).size, 5);
  });

  it('end to end through the exporter: the collector receives the sampled traces whole, three linked segments each, and nothing else', async () => {
    const collector = new SkyWalkingCollector();
    const { grpc } = await collector.start();
    try {
      const reports = await runChain(
        6,
        { samplePer3Secs: 2 },
        { samplePer3Secs: 1, ratio: 0 },
        { ratio: 0 },
        { HOP_FROZEN_CLOCK: '1', HOP_COLLECTOR: grpc },
      );
      const maps = assertOneTracePerRequest(reports, 6);
      const sampledTraceIds = [...maps[0].values()].filter((s) => s.sampled).map((s) => s.traceId).sort();
      assert.equal(sampledTraceIds.length, 2);

      // each hop flushed before reporting, so everything it exported has arrived
      const traces = collector.traces();
      assert.deepEqual(traces.map((t) => t.traceId).sort(), sampledTraceIds);
      for (const t of traces) {
        assert.equal(t.segments.length, 3, t.traceId);
        assert.deepEqual(t.services, ['hop-1', 'hop-2', 'hop-3']);
        assert.deepEqual(t.missingParents, []);
        assert.equal(t.roots.length, 1);
      }
      assert.equal(collector.segments().length, 6);
      assert.deepEqual(collector.violations(), []);

      // the sampler's stats sit beside the exporter's: what one decided, the other delivered
      for (const [i, report] of reports.entries()) {
        const sampled = report.stats.sampled;
        assert.equal(report.exporter?.segmentsExported, 2, `hop-${i + 1}`);
        assert.equal(report.exporter?.spansExported, sampled.root + sampled.parent + sampled.remoteParent, `hop-${i + 1}`);
      }
    } finally {
      await collector.close();
    }
  });
});
