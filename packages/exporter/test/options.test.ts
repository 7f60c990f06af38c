/**
 * Options and environment variables as the processor resolves them: what each accepts, and the one
 * warning a bad value gets, naming what the user wrote.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { SkyWalkingSpanProcessor } from '../src';

describe('SkyWalkingSpanProcessor options', () => {
  let warnings: string[];
  const processors: SkyWalkingSpanProcessor[] = [];

  beforeEach(() => {
    warnings = [];
    diag.setLogger(
      { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
  });

  afterEach(async () => {
    diag.disable();
    await Promise.all(processors.splice(0).map((p) => p.shutdown()));
  });

  const processor = (options: ConstructorParameters<typeof SkyWalkingSpanProcessor>[0], env: NodeJS.ProcessEnv = {}): SkyWalkingSpanProcessor => {
    const created = new SkyWalkingSpanProcessor({ collector: '127.0.0.1:1', ...options }, env);
    processors.push(created);
    return created;
  };

  it('reads maxSegmentAgeMillis, and the deprecated maxSegmentAgeMs under its own name', () => {
    processor({ maxSegmentAgeMillis: 0 });
    processor({ maxSegmentAgeMs: 0 });
    processor({ maxSegmentAgeMillis: 1000, maxSegmentAgeMs: 0 });
    assert.deepEqual(
      warnings.filter((w) => w.includes('maxSegmentAge')),
      [
        'otel-skywalking: option maxSegmentAgeMillis=0 is not a whole number in [1, 9007199254740991]; using 600000',
        'otel-skywalking: option maxSegmentAgeMs=0 is not a whole number in [1, 9007199254740991]; using 600000',
      ],
    );
  });

  it('reads the environment it is given; a variable that is no finite number ("Infinity") is reported once, by its name', () => {
    const env = { SW_AGENT_COLLECTOR_BACKEND_SERVICES: '127.0.0.2:11800', SW_AGENT_SPAN_LIMIT: 'Infinity' };
    const first = new SkyWalkingSpanProcessor({}, env);
    const second = new SkyWalkingSpanProcessor({}, env);
    processors.push(first, second);
    assert.equal(first.getStats().collector, '127.0.0.2:11800');
    assert.deepEqual(
      warnings.filter((w) => w.includes('SW_AGENT_SPAN_LIMIT')),
      ['otel-skywalking: SW_AGENT_SPAN_LIMIT="Infinity" is not a finite number; it is ignored'],
    );
  });
});
