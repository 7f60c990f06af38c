// What the setup tells the user, in a real process: one start line, and each invalid or surprising
// setting reported once under the name the user wrote.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { SkyWalkingSampler } from '@otel-skywalking/sampler';
import { samplerOptionsFromOtelEnv, type ConfigProblem } from '../src/config';
import { fixture, get, runApp, runNode } from './helpers';

/** Runs a short program to its end; resolves with everything it printed. */
async function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, args, { cwd: __dirname, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  await once(child, 'exit');
  return out;
}

const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

describe('messages', () => {
  const collector = new SkyWalkingCollector({ httpPort: false });
  let grpc = '';
  before(async () => ({ grpc } = await collector.start()));
  after(() => collector.close());

  it('prints one start line: service, instance, exporter -> address, propagators, instrumentations', async () => {
    const app = await runApp('--require', 'app.cjs', { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NAME: 'msg-start', SW_AGENT_INSTANCE: 'msg-start-1' });
    await app.stop();
    const lines = app.output().split('\n').filter((l) => l.startsWith('otel-skywalking: tracing'));
    assert.deepEqual(lines, [
      `otel-skywalking: tracing service msg-start, instance msg-start-1, exporter skywalking -> ${grpc} (plaintext), ` +
        'propagators tracecontext,baggage,sw8, instrumentations http,undici,express,amqplib,mongodb,pino,winston,bunyan, meters on, logs on',
    ]);
  });

  for (const [variable, value] of [['SW_AGENT_START_MESSAGE', 'false'], ['OTEL_LOG_LEVEL', 'error']] as const) {
    it(`${variable}=${value} suppresses the start line`, async () => {
      const app = await runApp('--require', 'app.cjs', { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NAME: 'msg-quiet', [variable]: value });
      await app.stop();
      assert.doesNotMatch(app.output(), /otel-skywalking: tracing/);
    });
  }

  it('SW_AGENT_SECURE=yes means TLS, and a value that is no switch is reported under its name', async () => {
    const yes = await runApp('--require', 'app.cjs', { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_SECURE: 'yes' });
    await yes.stop();
    assert.match(yes.output(), new RegExp(`exporter skywalking -> ${grpc} \\(TLS\\)`));
    assert.doesNotMatch(yes.output(), /SW_AGENT_SECURE/);
    const maybe = await runApp('--require', 'app.cjs', { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_SECURE: 'maybe' });
    await maybe.stop();
    assert.equal(count(maybe.output(), /SW_AGENT_SECURE="maybe" is not true or false \(or yes\/no, on\/off, 1\/0\); using false/), 1, maybe.output());
    assert.match(maybe.output(), /\(plaintext\)/);
  });

  it('reports SW_AGENT_SPAN_LIMIT=-5 and OTEL_BSP_SCHEDULE_DELAY=-1 once each, by the variable, and keeps tracing', async () => {
    const app = await runApp('--require', 'app.cjs', {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
      SW_AGENT_NAME: 'msg-invalid-numbers',
      SW_AGENT_SPAN_LIMIT: '-5',
      OTEL_BSP_SCHEDULE_DELAY: '-1',
    });
    try {
      assert.equal(await get(`${app.url}/hello`), 'hello');
    } finally {
      await app.stop();
    }
    const out = app.output();
    assert.equal(count(out, /SW_AGENT_SPAN_LIMIT=-5 is not a whole number in \[1, \d+\]; using 300/), 1, out);
    assert.equal(count(out, /OTEL_BSP_SCHEDULE_DELAY=-1 is not a whole number in \[0, \d+\]; using 5000/), 1, out);
    assert.doesNotMatch(out, /maxSpansPerSegment|scheduledDelayMillis/);
    await collector.waitFor((c) => c.segments().some((s) => s.service === 'msg-invalid-numbers'), 15_000);
  });

  it('OTEL_TRACES_SAMPLER=always_off records nothing started here, and says how it applies', () => {
    const problems: ConfigProblem[] = [];
    const sampler = new SkyWalkingSampler(samplerOptionsFromOtelEnv(problems, { OTEL_TRACES_SAMPLER: 'always_off' }));
    const decision = sampler.shouldSample(ROOT_CONTEXT, '0af7651916cd43dd8448eb211c80319c', 'GET /', SpanKind.SERVER, {}, []);
    assert.equal(decision.decision, SamplingDecision.NOT_RECORD);
    assert.deepEqual(problems.map((p) => p.variable), ['OTEL_TRACES_SAMPLER']);
    assert.match(problems[0].message, /always_off: no trace started here is recorded/);
    const unknown: ConfigProblem[] = [];
    assert.deepEqual(samplerOptionsFromOtelEnv(unknown, { OTEL_TRACES_SAMPLER: 'jaeger_remote' }), {});
    assert.match(unknown[0].message, /OTEL_TRACES_SAMPLER="jaeger_remote" is not one of/);
    const none: ConfigProblem[] = [];
    assert.deepEqual(samplerOptionsFromOtelEnv(none, { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }), {});
    assert.deepEqual(none, []);
  });

  it('OTEL_TRACES_SAMPLER=always_off in a process: reported at start, the request is not exported', async () => {
    const app = await runApp('--require', 'app.cjs', { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc, SW_AGENT_NAME: 'msg-always-off', OTEL_TRACES_SAMPLER: 'always_off', OTEL_BSP_SCHEDULE_DELAY: '50' });
    try {
      assert.equal(await get(`${app.url}/hello`), 'hello');
    } finally {
      await app.stop();
    }
    assert.equal(count(app.output(), /OTEL_TRACES_SAMPLER=always_off/), 1, app.output());
    // The app flushed on SIGTERM before it exited: what it would have sent is here by now.
    assert.equal(collector.segments().filter((s) => s.service === 'msg-always-off').length, 0);
  });

  it('with OTEL_TRACES_EXPORTER=console, SW_AGENT_NAME is the service.name', async () => {
    const app = await runApp('--require', 'app.cjs', { OTEL_TRACES_EXPORTER: 'console', SW_AGENT_NAME: 'msg-console' });
    try {
      assert.equal(await get(`${app.url}/hello`), 'hello');
    } finally {
      await app.stop();
    }
    assert.match(app.output(), /'service\.name': 'msg-console'/);
    assert.match(app.output(), /exporter console -> stdout/);
  });

  for (const [protocol, problem] of [['http/json', undefined], ['http/xml', /OTEL_EXPORTER_OTLP_PROTOCOL="http\/xml" is not one of grpc, http\/protobuf, http\/json; using http\/protobuf/]] as const) {
    it(`with OTEL_TRACES_EXPORTER=otlp (protocol ${protocol}), SW_AGENT_NAME is the service.name the OTLP receiver gets`, async () => {
      const bodies: Buffer[] = [];
      const receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          bodies.push(Buffer.concat(chunks));
          res.setHeader('content-type', 'application/json');
          res.end('{}');
        });
      });
      await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
      const endpoint = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/v1/traces`;
      const service = `msg-otlp-${protocol.replace('/', '-')}`;
      try {
        const app = await runApp('--require', 'app.cjs', {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '50',
          SW_AGENT_NAME: service,
        });
        try {
          assert.equal(await get(`${app.url}/hello`), 'hello');
        } finally {
          await app.stop();
        }
        const shownProtocol = problem === undefined ? protocol : 'http/protobuf';
        assert.match(app.output(), new RegExp(`exporter otlp ${shownProtocol.replace('/', '\\/')} -> ${endpoint.replace(/[/.]/g, '\\$&')}`), app.output());
        if (problem !== undefined) assert.equal(count(app.output(), problem), 1, app.output());
        // Protobuf and JSON both carry the name as plain UTF-8 next to the service.name key.
        const received = Buffer.concat(bodies).toString('latin1');
        assert.match(received, /service\.name/, 'spans reached the OTLP receiver');
        assert.ok(received.includes(service), `service.name is ${service}`);
      } finally {
        receiver.close();
      }
    });
  }

  it('says what to do when another SDK is already registered, and stays off', async () => {
    const out = await runToEnd([fixture('registered-first.cjs')], { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc });
    assert.equal(count(out, /another OpenTelemetry SDK is already registered in this process/), 1, out);
    assert.match(out, /Keep one: drop the other setup .* or keep your NodeSDK and give it \.\.\.skyWalkingSdkOptions\(\)/);
    assert.doesNotMatch(out, /otel-skywalking: tracing service/);
    assert.doesNotMatch(out, /duplicate registration/i);
  });

  it('also when auto-instrumentations-node/register comes after ours on the command line', async () => {
    const other = fixture('stand-in/@opentelemetry/auto-instrumentations-node/register.cjs');
    const app = await runNode(['--require', '@otel-skywalking/node/register', '--require', other, fixture('app.cjs')], {
      SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
    });
    await app.stop();
    assert.equal(count(app.output(), /auto-instrumentations-node\/register\.cjs also sets up an OpenTelemetry SDK in this process/), 1, app.output());
    assert.match(app.output(), /otel-skywalking stays off/);
    assert.doesNotMatch(app.output(), /duplicate registration/i);
  });

  it('warns an ES module app started with --require, not one started with --import', async () => {
    const required = await runNode(['--require', '@otel-skywalking/node/register', fixture('app.mjs')], { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc });
    await required.stop();
    assert.equal(count(required.output(), /app\.mjs is an ES module.*start it with node --import @otel-skywalking\/node\/register/), 1, required.output());
    const imported = await runNode(['--import', '@otel-skywalking/node/register', fixture('app.mjs')], { SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc });
    await imported.stop();
    assert.doesNotMatch(imported.output(), /is an ES module/);
    assert.match(imported.output(), /otel-skywalking: tracing service/);
  });
});

