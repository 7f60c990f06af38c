/**
 * A process whose collector is unreachable or stalled still shuts down on time and exits by itself
 * (every exporter timer is unref'd; a call in flight holds the process at most until its deadline).
 * Each case runs the app in a child process and watches it end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { refusingServer, silentServer, slowServer, stallingServer, type FaultServer } from './fault-servers';

interface Run {
  report: Record<string, unknown>;
  /** ms from the report line to the process's exit */
  exitAfterReportMs: number;
  code: number | null;
}

function runApp(collector: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'outage-app.js')], {
      env: { ...process.env, COLLECTOR: collector, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    let reportedAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (reportedAt === 0 && output.includes('\n')) reportedAt = Date.now();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      try {
        resolve({ report: JSON.parse(output.split('\n')[0]), exitAfterReportMs: Date.now() - reportedAt, code });
      } catch (err) {
        reject(new Error(`no report from the app (exit ${code}): ${output}`, { cause: err }));
      }
    });
  });
}

async function withFault<T>(make: () => Promise<FaultServer>, use: (fault: FaultServer) => Promise<T>): Promise<T> {
  const fault = await make();
  try {
    return await use(fault);
  } finally {
    await fault.close();
  }
}

const SHUTDOWN_TIMEOUT_MS = 1000; // the app's shutdownTimeoutMillis

for (const [name, make, env] of [
  ['refused connections', refusingServer, {}],
  ['a silent TCP peer', silentServer, {}],
  ['an HTTP/2 peer that never reads', stallingServer, {}],
  ['a TLS handshake that never completes', silentServer, { TLS: '1' }],
  ['replies slower than the shutdown timeout', () => slowServer(60_000), {}],
] as const) {
  test(`shutdown() settles within its timeout and the process exits by itself within timeout + 1 s: ${name}`, () =>
    withFault(make, async (fault) => {
      const run = await runApp(fault.address, { SHUTDOWN: '1', ...env });
      assert.equal(run.code, 0);
      // a bound with room for scheduling on a busy machine, not a timing
      assert.ok((run.report.shutdownMs as number) <= SHUTDOWN_TIMEOUT_MS + 500, `shutdown took ${run.report.shutdownMs} ms`);
      const exitMs = (run.report.shutdownMs as number) + run.exitAfterReportMs;
      assert.ok(exitMs <= SHUTDOWN_TIMEOUT_MS + 1000, `the process exited ${exitMs} ms after shutdown() was called`);
      assert.equal(run.report.exported, 0);
      const dropped = Object.values(run.report.dropped as Record<string, number>).reduce((a, b) => a + b, 0);
      assert.equal(dropped, 2000, 'every span is counted as dropped');
    }));
}

test('without shutdown(), an app with a stalled collector still exits once the export deadline passes', () =>
  withFault(stallingServer, async (fault) => {
    const run = await runApp(fault.address, { TIMEOUT_MS: '1000' });
    assert.equal(run.code, 0);
    assert.equal(run.report.returned, true);
    // Like OpenTelemetry's BatchSpanProcessor, an export in flight keeps the process up until it
    // ends: here at most two exports time out (1 s each) before the circuit opens (threshold 2) and
    // the rest of the queue is dropped at once.
    assert.ok(run.exitAfterReportMs < 4000, `exited ${run.exitAfterReportMs} ms after main() returned`);
  }));

test('without shutdown(), an app with an unreachable collector exits at once', () =>
  withFault(refusingServer, async (fault) => {
    const run = await runApp(fault.address, {});
    assert.equal(run.code, 0);
    assert.ok(run.exitAfterReportMs < 1000, `exited ${run.exitAfterReportMs} ms after main() returned`);
  }));
