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

  const processor = (options: ConstructorParameters<typeof SkyWalkingSpanProcessor>[0]): SkyWalkingSpanProcessor => {
    const created = new SkyWalkingSpanProcessor({ collector: '127.0.0.1:1', ...options });
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
});
