import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiagLogger } from '@opentelemetry/api';
import { ThrottledDiag } from '../src';

function recorder() {
  const lines: string[] = [];
  const push = (m: string, ...args: unknown[]) => lines.push([m, ...args.map((a) => (a instanceof Error ? `[${a.message}]` : String(a)))].join(' '));
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: push, verbose: push };
  return { lines, logger };
}

describe('ThrottledDiag', () => {
  it('writes a key once per interval and says how many it held back', async () => {
    const { lines, logger } = recorder();
    const log = new ThrottledDiag(20, logger);
    for (let i = 0; i < 1000; i++) log.warn('export', 'export failed', new Error('UNAVAILABLE'));
    log.warn('other', 'another kind');
    assert.deepEqual(lines, ['otel-skywalking: export failed [UNAVAILABLE]', 'otel-skywalking: another kind']);
    await new Promise((r) => setTimeout(r, 25));
    log.warn('export', 'export failed');
    assert.equal(lines[2], 'otel-skywalking: export failed (999 more since the last report)');
  });

  it('never throws, even when the logger does', () => {
    const throwing = { error: () => { throw new Error('logger'); } } as unknown as DiagLogger;
    assert.doesNotThrow(() => new ThrottledDiag(1000, throwing).error('k', 'm'));
  });
});
