#!/usr/bin/env node
// The demo: an embedded SkyWalking-protocol collector, a MongoDB-wire server, and three services
// traced by `node --require @otel-skywalking/node/register` (front → back-end → MongoDB, and
// RabbitMQ → consumer → MongoDB when RabbitMQ is reachable). It drives traffic, one request
// failing on purpose, then prints the traces as SkyWalking would show them and the topology.
//   npm start              keeps running afterwards, with the collector's web view
//   npm start -- --once    exits after printing
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { SkyWalkingCollector, formatMeterLine, formatTrace } from '@otel-skywalking/collector';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const once = process.argv.includes('--once');
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const queue = `demo-orders-${process.pid}`;
const children = [];

function log(line = '') {
  process.stdout.write(line + '\n');
}

/** Resolves with the first JSON line a child prints that has `ready`, or rejects when it exits first. */
function waitReady(child, name) {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (const line of buffered.split('\n').slice(0, -1)) {
        if (line.startsWith('{') && line.includes('"ready"')) resolve(JSON.parse(line));
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
  });
}

function startService(name, file, env) {
  const child = spawn(process.execPath, ['--require', '@otel-skywalking/node/register', join(here, 'services', file)], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return waitReady(child, name);
}

async function startMongo() {
  if (process.env.MONGODB_URL) return { url: process.env.MONGODB_URL, how: `MONGODB_URL (${process.env.MONGODB_URL})` };
  const bin = join(dirname(require.resolve('@jongodb/memory-server-bin-linux-x64-gnu/package.json')), 'bin', 'jongodb');
  const port = await freePort();
  const child = spawn(bin, ['--host=127.0.0.1', `--port=${port}`, '--database=demo'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('JONGODB_URI='));
      if (line) resolve(line.slice('JONGODB_URI='.length).trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`jongodb exited with code ${code}`)));
  });
  return { url, how: `jongodb, a MongoDB-wire server, on ${url}` };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 5672) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

async function get(url) {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

/** Stops the services and waits for them to exit (they flush spans and meters on SIGTERM). */
async function stopAllAndWait() {
  const exits = children.filter((child) => child.exitCode === null).map((child) => new Promise((resolve) => child.once('exit', resolve)));
  stopAll();
  await Promise.all(exits);
}

async function main() {
  let collector = new SkyWalkingCollector({ grpcPort: 0, httpPort: Number(process.env.DEMO_HTTP_PORT ?? 12800), traceQuietMillis: 1000 });
  let addresses;
  try {
    addresses = await collector.start();
  } catch {
    // The web view's usual port is taken: any free one will do.
    await collector.close().catch(() => undefined);
    collector = new SkyWalkingCollector({ grpcPort: 0, httpPort: 0, traceQuietMillis: 1000 });
    addresses = await collector.start();
  }
  log(`collector: gRPC ${addresses.grpc}, web view and JSON at ${addresses.http}`);

  const mongo = await startMongo();
  log(`MongoDB: ${mongo.how}`);
  const rabbit = await reachable(amqpUrl);
  log(rabbit ? `RabbitMQ: ${amqpUrl.replace(/\/\/[^@]*@/, '//')} (queue ${queue})` : `RabbitMQ: SKIPPED, nothing answers at ${amqpUrl.replace(/\/\/[^@]*@/, '//')}: the back-end does not publish and the consumer does not run`);

  const common = {
    SW_AGENT_COLLECTOR_BACKEND_SERVICES: addresses.grpc,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    MONGODB_URL: mongo.url,
    AMQP_QUEUE: queue,
    SW_AGENT_LOGGING_LEVEL: process.env.SW_AGENT_LOGGING_LEVEL ?? 'error',
    // Runtime meters every second instead of the agent's 20 s, so the demo shows them at once.
    SW_AGENT_NODEJS_RUNTIME_METRICS_REPORT_PERIOD: '1000',
  };
  if (rabbit) await startService('consumer', 'consumer.cjs', { ...common, SW_AGENT_NAME: 'demo-consumer', AMQP_URL: amqpUrl });
  const backend = await startService('backend', 'backend.cjs', { ...common, SW_AGENT_NAME: 'demo-backend', ...(rabbit ? { AMQP_URL: amqpUrl } : {}) });
  const front = await startService('front', 'front.cjs', { ...common, SW_AGENT_NAME: 'demo-front', BACKEND_URL: `http://127.0.0.1:${backend.port}` });
  const frontUrl = `http://127.0.0.1:${front.port}`;

  const requests = ['/checkout/1', '/checkout/2', '/checkout/1', '/checkout/3', '/checkout/fail'];
  log(`\ntraffic: ${requests.length} requests to demo-front (the last one fails on purpose)`);
  for (const path of requests) log(`  GET ${path} -> ${await get(frontUrl + path)}`);

  const perTrace = rabbit ? 3 : 2;
  const expected = (requests.length - 1) * perTrace + 2;
  await collector
    .waitFor((c) => c.segments().length >= expected && c.traces().length >= requests.length, 20_000)
    .catch(() => log(`(only ${collector.segments().length} of ${expected} expected segments arrived in 20 s)`));
  await new Promise((r) => setTimeout(r, 1200)); // let the last traces go quiet

  const traces = collector.traces().sort((a, b) => a.startTime - b.startTime);
  log(`\n${traces.length} traces, as SkyWalking shows them:\n`);
  for (const trace of traces) log(formatTrace(trace, { violations: collector.violations({ traceId: trace.traceId }) }) + '\n');

  log('topology (the service map the OAP would draw):');
  for (const edge of collector.topology()) {
    const components = [...new Set([...edge.sourceComponents, ...edge.targetComponents])].join('/');
    log(`  ${edge.source} -> ${edge.target}  [${edge.targetLayer}, ${components || 'no component'}, seen by ${edge.detectPoints.join('+')}]`);
  }
  const logs = collector.logs();
  const linked = logs.filter((l) => l.traceContext !== null && l.traceContext.traceSegmentId !== '').length;
  log(`\nlogs: ${logs.length} pino lines received, ${linked} linked to the span that wrote them (GET ${addresses.http}/logs)`);
  const violations = collector.violations();
  log(`\nvalidation: ${violations.length} violation(s) of the rules the OAP relies on`);
  for (const v of violations) log(`  ${v.severity} ${v.rule} (${v.service}, segment ${v.segmentId}): ${v.message}`);

  const services = rabbit ? 3 : 2;
  await collector.waitFor((c) => c.meters().length >= services, 5000).catch(() => undefined);
  log(`\ninstance meters (MeterReportService; the OAP's nodejs-runtime rules chart the instance_nodejs_* ones):`);
  for (const instance of collector.meters()) {
    const runtime = instance.meters.filter((m) => m.name.startsWith('instance_nodejs_'));
    const others = instance.meters.length - runtime.length;
    log(`  ${formatMeterLine({ ...instance, meters: runtime })}${others > 0 ? ` (+${others} OpenTelemetry meters)` : ''}`);
  }

  if (once) {
    await stopAllAndWait();
    await collector.close();
    return;
  }
  log(`\nThe services keep running. Traces: ${addresses.http}/  ·  Ctrl-C to stop.`);
  const stop = async () => {
    stopAll();
    await collector.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error('demo failed:', err);
  stopAll();
  process.exit(1);
});
