// Which http instrumentation the setup registers: ours by default, OpenTelemetry's on request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpInstrumentation as OpenTelemetryHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { HttpInstrumentation } from '@otel-skywalking/instrumentation-http';
import { readConfig } from '../src';
import { createInstrumentations } from '../src/instrumentations';

const ALL_OFF = { http: false, undici: false, express: false, amqplib: false, mongodb: false };

describe('the http instrumentation switch', () => {
  it('defaults to @otel-skywalking/instrumentation-http; OTEL_SKYWALKING_HTTP_INSTRUMENTATION or the option picks OpenTelemetry’s', () => {
    assert.equal(readConfig({}, {}).config.httpInstrumentation, 'otel-skywalking');
    assert.equal(readConfig({}, { OTEL_SKYWALKING_HTTP_INSTRUMENTATION: 'opentelemetry' }).config.httpInstrumentation, 'opentelemetry');
    const { config, problems } = readConfig({ httpInstrumentation: 'otel-skywalking' }, { OTEL_SKYWALKING_HTTP_INSTRUMENTATION: 'opentelemetry' });
    assert.equal(config.httpInstrumentation, 'otel-skywalking', 'the option wins');
    assert.deepEqual(problems, []);
  });

  it('names the variable and the accepted values for an invalid choice, and keeps ours', () => {
    const { config, problems } = readConfig({}, { OTEL_SKYWALKING_HTTP_INSTRUMENTATION: 'undici' });
    assert.equal(config.httpInstrumentation, 'otel-skywalking');
    assert.equal(problems.length, 1);
    assert.equal(problems[0].variable, 'OTEL_SKYWALKING_HTTP_INSTRUMENTATION');
    assert.match(problems[0].message, /undici/);
    assert.match(problems[0].message, /otel-skywalking, opentelemetry/);
  });

  it('registers the chosen one', () => {
    const ours = createInstrumentations({ ...ALL_OFF, http: true });
    const theirs = createInstrumentations({ ...ALL_OFF, http: true }, 'opentelemetry');
    try {
      assert.equal(ours.length, 1);
      assert.ok(ours[0] instanceof HttpInstrumentation);
      assert.equal(theirs.length, 1);
      assert.ok(theirs[0] instanceof OpenTelemetryHttpInstrumentation);
    } finally {
      for (const instrumentation of [...ours, ...theirs]) instrumentation.disable();
    }
  });
});
