import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig } from '../src';

describe('readConfig', () => {
  it('defaults to SkyWalking export with W3C and sw8 propagation and every instrumentation', () => {
    const { config, problems } = readConfig({}, {});
    assert.deepEqual(problems, []);
    assert.equal(config.tracesExporter, 'skywalking');
    assert.deepEqual(config.propagators, ['tracecontext', 'baggage', 'sw8']);
    assert.deepEqual(config.enabled, { http: true, undici: true, express: true, amqplib: true, mongodb: true });
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.disabled, false);
  });

  it('reads the OpenTelemetry and SkyWalking variables', () => {
    const { config, problems } = readConfig({}, {
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_PROPAGATORS: 'sw8,tracecontext',
      SW_AGENT_DISABLE_PLUGINS: 'MongoDBPlugin, http',
      SW_AGENT_LOGGING_LEVEL: 'debug',
      OTEL_LOG_LEVEL: 'error',
    });
    assert.deepEqual(problems, []);
    assert.equal(config.tracesExporter, 'console');
    assert.deepEqual(config.propagators, ['sw8', 'tracecontext']);
    assert.deepEqual(config.enabled, { http: false, undici: true, express: true, amqplib: true, mongodb: false });
    assert.equal(config.logLevel, 'debug', 'SW_AGENT_LOGGING_LEVEL wins over OTEL_LOG_LEVEL');
  });

  it('names the variable and the accepted values for each invalid value, and keeps a safe default', () => {
    const { config, problems } = readConfig({}, {
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_PROPAGATORS: 'b3,tracecontext',
      SW_AGENT_DISABLE_PLUGINS: 'kafka',
      SW_AGENT_LOGGING_LEVEL: 'loud',
      OTEL_SDK_DISABLED: 'yes',
    });
    assert.equal(config.tracesExporter, 'skywalking');
    assert.deepEqual(config.propagators, ['tracecontext']);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.disabled, false);
    assert.deepEqual(problems.map((p) => p.variable).sort(), [
      'OTEL_PROPAGATORS',
      'OTEL_SDK_DISABLED',
      'OTEL_TRACES_EXPORTER',
      'SW_AGENT_DISABLE_PLUGINS',
      'SW_AGENT_LOGGING_LEVEL',
    ]);
    const text = problems.map((p) => p.message).join('\n');
    assert.match(text, /OTEL_TRACES_EXPORTER="zipkin": accepted values are skywalking, otlp, console, none; using skywalking/);
    assert.match(text, /SW_AGENT_LOGGING_LEVEL="loud" is not one of none, error, warn, info, debug, verbose, all; using warn/);
    assert.match(text, /OTEL_SDK_DISABLED="yes" is not true or false/);
  });

  it('lets options win over the environment, and checks them too', () => {
    const { config, problems } = readConfig(
      { tracesExporter: 'none', instrumentations: { http: false, nosuch: true } as never, shutdownTimeoutMillis: -1 },
      { OTEL_TRACES_EXPORTER: 'console' },
    );
    assert.equal(config.tracesExporter, 'none');
    assert.equal(config.enabled.http, false);
    assert.equal(config.shutdownTimeoutMillis, 5000);
    assert.deepEqual(problems.map((p) => p.variable), ['instrumentations', 'shutdownTimeoutMillis']);
  });

  it('turns tracing off with OTEL_SDK_DISABLED or SW_DISABLE', () => {
    assert.equal(readConfig({}, { OTEL_SDK_DISABLED: 'true' }).config.disabled, true);
    assert.equal(readConfig({}, { SW_DISABLE: 'TRUE' }).config.disabled, true);
    assert.deepEqual(readConfig({}, { OTEL_PROPAGATORS: 'none,sw8' }).config.propagators, ['none']);
  });
});
