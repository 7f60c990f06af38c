/** The Authentication token check (as the OAP's AuthenticationInterceptor) and TLS / mutual TLS. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { SkyWalkingCollector } from '../src';
import { collect, collectInSync, managementClient, segment, span, statusOf, traceClient, unary } from './helpers';

const one = (id: string) => [segment({ traceSegmentId: id, spans: [span({ spanId: 0 })] })];

describe('Authentication token', () => {
  let collector: SkyWalkingCollector;
  let address: string;
  const clients: grpc.Client[] = [];
  before(async () => {
    collector = new SkyWalkingCollector({ token: 's3cret' });
    address = (await collector.start()).grpc;
  });
  after(async () => {
    for (const c of clients) c.close();
    await collector.close();
  });

  it('refuses calls without the token or with a wrong one (UNAUTHENTICATED) on every method, and counts them', async () => {
    const client = traceClient(address);
    const management = managementClient(address);
    clients.push(client, management);
    assert.equal(await statusOf(collect(client, one('none'))), grpc.status.UNAUTHENTICATED);
    assert.equal(await statusOf(collect(client, one('wrong'), 's3cre')), grpc.status.UNAUTHENTICATED);
    assert.equal(await statusOf(collectInSync(client, one('wrong-sync'), 's3cret!')), grpc.status.UNAUTHENTICATED);
    assert.equal(await statusOf(unary((r, m, cb) => management.keepAlive(r, m, cb), { service: 's', serviceInstance: 'i', layer: '' }, 'nope')), grpc.status.UNAUTHENTICATED);
    const stats = collector.getStats();
    assert.equal(stats.callsUnauthenticated, 4);
    assert.equal(stats.segmentsReceived, 0);
    assert.deepEqual(collector.instances(), []);
  });

  it('accepts calls with the right token', async () => {
    const client = traceClient(address);
    const management = managementClient(address);
    clients.push(client, management);
    await collect(client, one('ok'), 's3cret');
    await collectInSync(client, one('ok-sync'), 's3cret');
    await unary((r, m, cb) => management.keepAlive(r, m, cb), { service: 's', serviceInstance: 'i', layer: '' }, 's3cret');
    assert.deepEqual(collector.segments().map((s) => s.traceSegmentId), ['ok', 'ok-sync']);
    assert.equal(collector.instances().length, 1);
  });
});

describe('TLS', () => {
  let dir: string;
  const pem = (name: string): Buffer => readFileSync(join(dir, name));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'collector-tls-'));
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    };
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    for (const name of ['server', 'client']) {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'san.ext');
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves over TLS; a plaintext client cannot talk to it', async () => {
    const collector = new SkyWalkingCollector({ tls: { key: pem('server.key'), cert: pem('server.crt') } });
    const { grpc: address } = await collector.start();
    const secure = traceClient(address, { credentials: grpc.credentials.createSsl(pem('ca.crt')) });
    const plain = traceClient(address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
    try {
      await collect(secure, one('over-tls'));
      assert.deepEqual(collector.segments().map((s) => s.traceSegmentId), ['over-tls']);
      assert.equal(await statusOf(collect(plain, one('plain'))), grpc.status.UNAVAILABLE);
      assert.equal(collector.segments().length, 1);
    } finally {
      secure.close();
      plain.close();
      await collector.close();
    }
  });

  it('with a client CA (mutual TLS) accepts only clients with a certificate it signed', async () => {
    const collector = new SkyWalkingCollector({ tls: { key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt') } });
    const { grpc: address } = await collector.start();
    const withCert = traceClient(address, { credentials: grpc.credentials.createSsl(pem('ca.crt'), pem('client.key'), pem('client.crt')) });
    const without = traceClient(address, {
      credentials: grpc.credentials.createSsl(pem('ca.crt')),
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    try {
      await collect(withCert, one('mtls'));
      assert.equal(await statusOf(collect(without, one('no-cert'))), grpc.status.UNAVAILABLE);
      assert.deepEqual(collector.segments().map((s) => s.traceSegmentId), ['mtls']);
    } finally {
      withCert.close();
      without.close();
      await collector.close();
    }
  });
});
