// Convert + encode cost per span, and bytes per span, for the same realistic spans: our exporter's
// pipeline (segment assembly, SpanObject conversion, protobuf encoding) against OpenTelemetry's
// OTLP protobuf serializer (@opentelemetry/otlp-transformer), in the same run.
// Goal (issue 4): at most 0.7x its time and at most 1.0x its bytes.
//
// The spans come from real HTTP requests through @opentelemetry/instrumentation-http (server and
// client, propagated with createSkyWalkingPropagator), plus a MongoDB, a RabbitMQ and an internal span
// per request with the attributes the instrumentations set.
// --rounds (default 15) sets the number of measured rounds.
import { SpanKind, context, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SegmentTracker } from '@otel-skywalking/core';
import { SegmentSerializer } from '@otel-skywalking/exporter';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { measure, numberOption, report } from '../lib/harness';

const BATCH = 512; // the BatchSpanProcessor's default batch size
const REQUESTS = 400;

async function realisticSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'checkout-1', 'host.name': 'bench' }),
    spanProcessors: [new SegmentTracker(), new SimpleSpanProcessor(memory)],
  });
  provider.register({ propagator: createSkyWalkingPropagator() });
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
  const http = require('node:http') as typeof import('node:http');
  const mongo = provider.getTracer('@opentelemetry/instrumentation-mongodb', '0.60.0');
  const amqp = provider.getTracer('@otel-skywalking/instrumentation-amqplib', '0.1.0');
  const app = provider.getTracer('checkout', '1.0.0');

  const stock = http.createServer((_req, res) => res.end('{"available":3}'));
  await new Promise<void>((resolve) => stock.listen(0, '127.0.0.1', resolve));
  const stockPort = (stock.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true });
  const checkout = http.createServer((req, res) => {
    const parent = context.active();
    const find = mongo.startSpan('find shop.orders', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'mongodb',
        'db.namespace': 'shop',
        'db.collection.name': 'orders',
        'db.operation.name': 'find',
        'db.query.text': '{"find":"orders","filter":{"_id":"?"},"limit":"?"}',
        'server.address': 'mongo.internal',
        'server.port': 27017,
      },
    }, parent);
    find.end();
    const price = app.startSpan('compute price', { attributes: { 'app.items': 3, 'app.currency': 'EUR' } }, parent);
    price.end();
    http.get({ host: '127.0.0.1', port: stockPort, path: `/stock${req.url}`, agent }, (down) => {
      down.resume();
      down.on('end', () => {
        const publish = amqp.startSpan('orders publish', {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'rabbitmq',
            'messaging.destination.name': 'orders',
            'messaging.operation.type': 'send',
            'messaging.rabbitmq.destination.routing_key': 'orders.created',
            'messaging.message.id': 'a3f1c9e2-5b7d-4e8a-9c0f-1d2e3f4a5b6c',
            'server.address': 'rabbit.internal',
            'server.port': 5672,
          },
        }, parent);
        publish.end();
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      });
    });
  });
  await new Promise<void>((resolve) => checkout.listen(0, '127.0.0.1', resolve));
  const port = (checkout.address() as { port: number }).port;
  for (let i = 0; i < REQUESTS; i++) {
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/orders/${i}?expand=items`, agent, headers: { 'user-agent': 'bench/1.0' } }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  }
  agent.destroy();
  checkout.close();
  stock.close();
  await provider.forceFlush();
  trace.disable();
  context.disable();
  return memory.getFinishedSpans();
}

async function main(): Promise<void> {
  const spans = await realisticSpans();
  const batches: ReadableSpan[][] = [];
  for (let i = 0; i + BATCH <= spans.length; i += BATCH) batches.push(spans.slice(i, i + BATCH));
  const serializer = new SegmentSerializer();
  let next = 0;
  const batch = (): ReadableSpan[] => batches[next++ % batches.length];

  // Bytes on the wire: protobuf plus the 5-byte gRPC message prefix (one per OTLP request, one per
  // SkyWalking segment, which is a message of its own on the collect stream).
  let otlpBytes = 0;
  let swBytes = 0;
  let segments = 0;
  for (const b of batches) {
    otlpBytes += ProtobufTraceSerializer.serializeRequest(b)!.length + 5;
    for (const segment of serializer.serialize(b)) {
      swBytes += segment.length + 5;
      segments++;
    }
  }
  const spanCount = batches.length * BATCH;

  const rounds = Math.floor(numberOption('rounds', 15));
  const results = measure(
    [
      { name: 'otlp-transformer ProtobufTraceSerializer', run: () => ProtobufTraceSerializer.serializeRequest(batch()) },
      { name: '@otel-skywalking/exporter SegmentSerializer', run: () => serializer.serialize(batch()) },
    ],
    { rounds, opsPerRound: 40 },
  );
  report(`Exporter: convert + encode a batch of ${BATCH} spans (${spans.length} spans from ${REQUESTS} requests)`, results);
  const [otlp, ours] = results;
  const timeRatio = ours.nsPerOp / otlp.nsPerOp;
  const byteRatio = swBytes / otlpBytes;
  console.log('\n| per span | OTLP protobuf | SkyWalking segments | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(`| time (ns) | ${(otlp.nsPerOp / BATCH).toFixed(0)} | ${(ours.nsPerOp / BATCH).toFixed(0)} | ${timeRatio.toFixed(2)}× |`);
  console.log(`| bytes | ${(otlpBytes / spanCount).toFixed(1)} | ${(swBytes / spanCount).toFixed(1)} | ${byteRatio.toFixed(2)}× |`);
  console.log(`\n${segments} segments from ${spanCount} spans.`);
  console.log(`time ${timeRatio.toFixed(2)}x (goal <= 0.70x): ${timeRatio <= 0.7 ? 'met' : 'NOT met'}`);
  console.log(`bytes ${byteRatio.toFixed(2)}x (goal <= 1.00x): ${byteRatio <= 1 ? 'met' : 'NOT met'}`);
}

void main();
