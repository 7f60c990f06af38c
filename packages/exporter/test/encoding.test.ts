/**
 * The hand-written SegmentObject encoder, checked against two independent decoders: the
 * google-protobuf code generated inside skywalking-backend-js (field by field) and protobufjs
 * loading the .proto files (for arbitrary segments).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RefType,
  SpanLayer,
  SpanType,
  TO_OBJECT_OPTIONS,
  loadProtocol,
  type SegmentObject,
} from '@otel-skywalking/core/protocol';
import * as grpc from '@grpc/grpc-js';
import { SkyWalkingSpanProcessor } from '../src';
import { EncodedKey } from '../src/encoding/key-string-value-pair';
import { SegmentEncoder } from '../src/encoding/segment-object';
import { backendJsTracing, providerFor, requestSegment } from './helpers';

const sample: SegmentObject = {
  traceId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001',
  traceSegmentId: 'f00dfeedf00dfeedf00dfeedf00dfeed',
  service: 'checkout',
  serviceInstance: 'checkout-1@host',
  isSizeLimited: true,
  spans: [
    {
      spanId: 0,
      parentSpanId: -1,
      startTime: 1_795_260_068_864,
      endTime: 1_795_260_068_901,
      refs: [
        {
          refType: RefType.CrossProcess,
          traceId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001',
          parentTraceSegmentId: 'a'.repeat(32),
          parentSpanId: 3,
          parentService: 'gateway',
          parentServiceInstance: 'gateway-7',
          parentEndpoint: 'GET:/api/ünïcödé',
          networkAddressUsedAtPeer: 'checkout:8080',
        },
      ],
      operationName: 'GET:/orders/:id',
      peer: '',
      spanType: SpanType.Entry,
      spanLayer: SpanLayer.Http,
      componentId: 49,
      isError: true,
      tags: [
        { key: 'http.method', value: 'GET' },
        { key: 'long', value: 'x'.repeat(20_000) },
        { key: 'emoji', value: '🚀 launch' },
      ],
      logs: [
        {
          time: 1_795_260_068_900,
          data: [
            { key: 'event', value: 'error' },
            { key: 'stack', value: 'Error: boom\n    at f (file.js:1:1)'.repeat(10) },
          ],
        },
      ],
      skipAnalysis: true,
    },
    {
      spanId: 1,
      parentSpanId: 0,
      startTime: 1_795_260_068_870,
      endTime: 1_795_260_068_880,
      refs: [],
      operationName: 'find orders',
      peer: 'mongo.local:27017',
      spanType: SpanType.Exit,
      spanLayer: SpanLayer.Database,
      componentId: 9,
      isError: false,
      tags: [],
      logs: [],
      skipAnalysis: false,
    },
  ],
};

test('skywalking-backend-js decodes what we send, field by field', () => {
  const { SegmentObject: Decoder } = backendJsTracing();
  const bytes = new SegmentEncoder().encode(sample);
  const decoded = Decoder.deserializeBinary(new Uint8Array(bytes));
  assert.equal(decoded.getTraceid(), sample.traceId);
  assert.equal(decoded.getTracesegmentid(), sample.traceSegmentId);
  assert.equal(decoded.getService(), 'checkout');
  assert.equal(decoded.getServiceinstance(), 'checkout-1@host');
  assert.equal(decoded.getIssizelimited(), true);
  const spans = decoded.getSpansList();
  assert.equal(spans.length, 2);

  const entry = spans[0];
  assert.equal(entry.getSpanid(), 0);
  assert.equal(entry.getParentspanid(), -1, 'negative int32 is sign-extended');
  assert.equal(entry.getStarttime(), 1_795_260_068_864);
  assert.equal(entry.getEndtime(), 1_795_260_068_901);
  assert.equal(entry.getOperationname(), 'GET:/orders/:id');
  assert.equal(entry.getPeer(), '');
  assert.equal(entry.getSpantype(), SpanType.Entry);
  assert.equal(entry.getSpanlayer(), SpanLayer.Http);
  assert.equal(entry.getComponentid(), 49);
  assert.equal(entry.getIserror(), true);
  assert.equal(entry.getSkipanalysis(), true);
  const [ref] = entry.getRefsList();
  assert.equal(ref.getReftype(), RefType.CrossProcess);
  assert.equal(ref.getTraceid(), sample.traceId);
  assert.equal(ref.getParenttracesegmentid(), 'a'.repeat(32));
  assert.equal(ref.getParentspanid(), 3);
  assert.equal(ref.getParentservice(), 'gateway');
  assert.equal(ref.getParentserviceinstance(), 'gateway-7');
  assert.equal(ref.getParentendpoint(), 'GET:/api/ünïcödé');
  assert.equal(ref.getNetworkaddressusedatpeer(), 'checkout:8080');
  assert.deepEqual(
    entry.getTagsList().map((t: any) => [t.getKey(), t.getValue()]),
    sample.spans[0].tags.map((t) => [t.key, t.value]),
  );
  const [log] = entry.getLogsList();
  assert.equal(log.getTime(), 1_795_260_068_900);
  assert.deepEqual(
    log.getDataList().map((d: any) => [d.getKey(), d.getValue()]),
    sample.spans[0].logs[0].data.map((d) => [d.key, d.value]),
  );

  const exit = spans[1];
  assert.deepEqual(
    [exit.getSpanid(), exit.getParentspanid(), exit.getPeer(), exit.getSpantype(), exit.getSpanlayer(), exit.getComponentid()],
    [1, 0, 'mongo.local:27017', SpanType.Exit, SpanLayer.Database, 9],
  );
  assert.equal(exit.getIserror(), false);
  assert.equal(exit.getRefsList().length, 0);
});

test('protobufjs decodes any segment we encode to the same segment', () => {
  const type = loadProtocol().SegmentObject;
  const encoder = new SegmentEncoder();
  // ASCII (the encoder's fast paths) and any Unicode, short and long (one- and two-byte lengths)
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
  );
  const pair = fc.record({ key: text, value: text });
  const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
  const segment = fc.record({
    traceId: text,
    traceSegmentId: text,
    service: text,
    serviceInstance: text,
    isSizeLimited: fc.boolean(),
    spans: fc.array(
      fc.record({
        spanId: int32,
        parentSpanId: int32,
        startTime: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        endTime: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        refs: fc.array(
          fc.record({
            refType: fc.constantFrom(RefType.CrossProcess, RefType.CrossThread),
            traceId: text,
            parentTraceSegmentId: text,
            parentSpanId: int32,
            parentService: text,
            parentServiceInstance: text,
            parentEndpoint: text,
            networkAddressUsedAtPeer: text,
          }),
          { maxLength: 2 },
        ),
        operationName: text,
        peer: text,
        spanType: fc.constantFrom(SpanType.Entry, SpanType.Exit, SpanType.Local),
        spanLayer: fc.integer({ min: 0, max: 6 }),
        componentId: fc.integer({ min: 0, max: 2147483647 }),
        isError: fc.boolean(),
        tags: fc.array(pair, { maxLength: 4 }),
        logs: fc.array(fc.record({ time: fc.integer({ min: 0, max: 2 ** 45 }), data: fc.array(pair, { maxLength: 3 }) }), { maxLength: 2 }),
        skipAnalysis: fc.boolean(),
      }),
      { maxLength: 5 },
    ),
  });
  fc.assert(
    fc.property(segment, (value) => {
      const decoded = type.toObject(type.decode(encoder.encode(value as SegmentObject)), TO_OBJECT_OPTIONS);
      assert.deepEqual(decoded, JSON.parse(JSON.stringify(value)));
    }),
    { numRuns: 300 },
  );
});

test('tags, service, instance and peer written from their kept bytes decode as written, whatever came before', () => {
  // One encoder and one EncodedKey per key across all runs, and few values, so that values repeat
  // (kept), change after being kept, and are Unicode or long (not kept).
  const type = loadProtocol().SegmentObject;
  const encoder = new SegmentEncoder();
  const keys = new Map<string, EncodedKey>();
  const keyOf = (key: string): EncodedKey => {
    let encoded = keys.get(key);
    if (encoded === undefined) keys.set(key, (encoded = new EncodedKey(key)));
    return encoded;
  };
  const text = fc.constantFrom('GET', '200', '127.0.0.1', '', 'ünïcödé', '🚀', 'x'.repeat(70), 'y'.repeat(300));
  const pair = fc.record({ key: fc.constantFrom('http.method', 'network.peer.address', 'k', 'ключ', 'z'.repeat(130)), value: text });
  const spans = fc.array(fc.record({ peer: text, tags: fc.array(pair, { maxLength: 6 }) }), { minLength: 1, maxLength: 3 });
  fc.assert(
    fc.property(spans, text, text, (written, service, instance) => {
      encoder.open('trace', 'segment');
      for (let id = 0; id < written.length; id++) {
        const mark = encoder.openSpan();
        for (const { key, value } of written[id].tags) encoder.tag({ key, encoded: keyOf(key), maxValue: Infinity }, value);
        encoder.closeSpan(mark, { ...sample.spans[1], spanId: id, peer: written[id].peer, tags: [] });
      }
      const decoded = type.toObject(type.decode(encoder.close(service, instance, false)), TO_OBJECT_OPTIONS) as SegmentObject;
      assert.equal(decoded.service, service);
      assert.equal(decoded.serviceInstance, instance);
      assert.deepEqual(
        decoded.spans.map((span) => ({ peer: span.peer, tags: span.tags })),
        JSON.parse(JSON.stringify(written)),
      );
    }),
    { numRuns: 500 },
  );
});

/** A gRPC server that keeps the raw request bytes of collect and collectInSync. */
async function captureServer(): Promise<{ address: string; collection: Buffer[]; stream: Buffer[]; close(): void }> {
  const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
  const collection: Buffer[] = [];
  const stream: Buffer[] = [];
  const server = new grpc.Server();
  server.addService(
    {
      collect: { path: '/skywalking.v3.TraceSegmentReportService/collect', requestStream: true, responseStream: false, ...raw },
      collectInSync: { path: '/skywalking.v3.TraceSegmentReportService/collectInSync', requestStream: false, responseStream: false, ...raw },
    } as unknown as grpc.ServiceDefinition,
    {
      collect: (call: grpc.ServerReadableStream<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        call.on('data', (message: Buffer) => stream.push(message));
        call.on('end', () => done(null, Buffer.alloc(0)));
      },
      collectInSync: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        collection.push(call.request);
        done(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, collection, stream, close: () => server.forceShutdown() };
}

test('the bytes the exporter puts on the wire decode with skywalking-backend-js, for both report methods', async () => {
  const { SegmentCollection, SegmentObject: Decoder } = backendJsTracing();
  const capture = await captureServer();
  const options = { collector: capture.address, heartbeatIntervalMillis: 0, scheduledDelayMillis: 10 };
  const unary = new SkyWalkingSpanProcessor(options);
  const streaming = new SkyWalkingSpanProcessor({ ...options, reportMethod: 'collect' });
  const providers = [providerFor('unary', unary), providerFor('streaming', streaming)];
  try {
    for (const provider of providers) for (let i = 0; i < 3; i++) requestSegment(provider, i, i === 1);
    await Promise.all([unary.forceFlush(), streaming.forceFlush()]);
    const fromCollections = capture.collection.flatMap((bytes) => SegmentCollection.deserializeBinary(new Uint8Array(bytes)).getSegmentsList());
    const fromStream = capture.stream.map((bytes) => Decoder.deserializeBinary(new Uint8Array(bytes)));
    for (const [segments, service] of [[fromCollections, 'unary'], [fromStream, 'streaming']] as const) {
      assert.equal(segments.length, 3);
      for (const segment of segments) {
        assert.equal(segment.getService(), service);
        assert.equal(segment.getServiceinstance(), `${service}-1`);
        assert.equal(segment.getTraceid().length, 32);
        const spans = segment.getSpansList();
        assert.deepEqual(spans.map((span: any) => [span.getSpanid(), span.getParentspanid()]), [[0, -1], [1, 0], [2, 1], [3, 1], [4, 1]]);
        assert.deepEqual(spans.map((span: any) => span.getComponentid()), [4002, 4002, 9, 2, 52]); // the HTTP entry under Express is Express's, as the Node agent reports it
        assert.deepEqual(spans.map((span: any) => span.getPeer()), ['', '', 'mongo.local:27017', 'inventory.local:9090', 'rabbit.local:5672']);
        assert.equal(spans[0].getOperationname(), 'GET:/orders/:id');
        const tags = Object.fromEntries(spans[0].getTagsList().map((t: any) => [t.getKey(), t.getValue()]));
        assert.equal(tags['http.method'], 'GET');
        assert.ok(spans[0].getEndtime() >= spans[0].getStarttime() && spans[0].getStarttime() > 1.7e12);
      }
      assert.deepEqual(segments.map((s: any) => s.getSpansList()[0].getIserror()), [false, true, false]);
    }
  } finally {
    await Promise.all(providers.map((p) => p.shutdown()));
    capture.close();
  }
});
