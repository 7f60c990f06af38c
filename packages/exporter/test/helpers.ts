/** Shared test setup: providers, a collector, decoders, certificates, span shapes. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vm from 'node:vm';
import * as v8 from 'node:v8';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SkyWalkingCollector, type CollectorOptions } from '@otel-skywalking/collector';

export interface StartedCollector {
  collector: SkyWalkingCollector;
  address: string;
}

export async function startCollector(options: CollectorOptions = {}): Promise<StartedCollector> {
  const collector = new SkyWalkingCollector(options);
  const { grpc } = await collector.start();
  return { collector, address: grpc };
}

/** A provider for one service; spans get context passed explicitly (no global context manager). */
export function providerFor(service: string, processor: SpanProcessor, instance = `${service}-1`): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': instance }),
    spanProcessors: [processor],
  });
}

export function child(parent: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, parent);
}

/**
 * One request's worth of spans of the common shapes: an HTTP server entry, an express handler,
 * a MongoDB exit, an HTTP client exit and a RabbitMQ publish. Returns the number of spans.
 */
export function requestSegment(provider: BasicTracerProvider, n: number, error = false, payload?: string): number {
  const http = provider.getTracer('@opentelemetry/instrumentation-http');
  const express = provider.getTracer('@opentelemetry/instrumentation-express');
  const mongo = provider.getTracer('@opentelemetry/instrumentation-mongodb');
  const amqp = provider.getTracer('@opentelemetry/instrumentation-amqplib');
  const root = http.startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'url.path': `/orders/${n}`,
      'url.scheme': 'http',
      'server.address': 'checkout.local',
      'server.port': 8080,
      'http.response.status_code': error ? 500 : 200,
    },
  });
  if (payload !== undefined) root.setAttributes({ 'app.payload.1': payload, 'app.payload.2': payload, 'app.payload.3': payload });
  const handler = express.startSpan('request handler - /orders/:id', {
    kind: SpanKind.INTERNAL,
    attributes: { 'http.route': '/orders/:id', 'express.type': 'request_handler' },
  }, child(root));
  const find = mongo.startSpan('find orders', {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'mongodb',
      'db.namespace': 'shop',
      'db.collection.name': 'orders',
      'db.operation.name': 'find',
      'db.query.text': '{"find":"orders","filter":{"_id":"?"}}',
      'server.address': 'mongo.local',
      'server.port': 27017,
    },
  }, child(handler));
  find.end();
  const call = http.startSpan('GET', {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'GET',
      'url.full': `http://inventory.local:9090/stock/${n}`,
      'server.address': 'inventory.local',
      'server.port': 9090,
      'http.response.status_code': 200,
    },
  }, child(handler));
  call.end();
  const publish = amqp.startSpan('orders publish', {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'orders',
      'messaging.rabbitmq.destination.routing_key': 'orders.created',
      'server.address': 'rabbit.local',
      'server.port': 5672,
    },
  }, child(handler));
  publish.end();
  handler.end();
  if (error) root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  root.end();
  return 5;
}

/** The generated google-protobuf code shipped inside skywalking-backend-js, an independent decoder. */
export function backendJsTracing(): any {
  return require('skywalking-backend-js/lib/proto/language-agent/Tracing_pb.js');
}

let gcFunction: (() => void) | undefined;

/** A full garbage collection (exposes V8's gc for this process on first use). */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

export interface TestCertificates {
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  otherCa: Buffer;
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'otel-sw-tls-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  try {
    const key = (name: string): void => run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    const ca = (name: string): void => {
      key(name);
      run('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.crt`);
    };
    ca('ca');
    ca('other-ca');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const name of ['server', 'client']) {
      key(name);
      run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
        '-extfile', `${name}.ext`, '-out', `${name}.crt`);
    }
    const read = (file: string): Buffer => readFileSync(join(dir, file));
    return {
      ca: read('ca.crt'),
      serverKey: read('server.key'),
      serverCert: read('server.crt'),
      clientKey: read('client.key'),
      clientCert: read('client.crt'),
      otherCa: read('other-ca.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function eventually(check: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await sleep(intervalMs);
  }
  return check();
}
