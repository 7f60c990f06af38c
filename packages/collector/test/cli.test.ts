import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { SkyWalkingCollector, type Trace, type TraceUpdate } from '../src';
import { parseCliArgs } from '../src/cli-options';
import { collect, segment, span, T0, traceClient, twoServiceTrace } from './helpers';

const CLI = join(__dirname, '..', 'src', 'cli.js');

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

/** Collects the CLI's stdout and resolves when a line matches. */
class Output {
  readonly lines: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];

  constructor(child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
    });
  }

  waitFor(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matched ${re} in:\n${this.lines.join('\n')}`)), timeoutMs);
      this.waiters.push({ re, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }
}

describe('otel-skywalking-collector CLI', { timeout: 30_000 }, () => {
  it('prints every finished trace as a tree, serves JSON, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--grpc-port', '0', '--http-port', '0', '--quiet-ms', '100', '--tags'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const out = new Output(child);
    try {
      const banner = await out.waitFor(/^otel-skywalking-collector: gRPC \(plaintext\) on/);
      const [, grpcAddress, httpUrl] = /gRPC \(plaintext\) on (\S+), JSON on (\S+)\/traces/.exec(banner)!;
      assert.match(await out.waitFor(/SW_AGENT_COLLECTOR_BACKEND_SERVICES=/), new RegExp(grpcAddress));
      const client = traceClient(grpcAddress);
      const [a, b] = twoServiceTrace('cli-trace');
      b.spans[0].refs[0].parentEndpoint = '';
      await collect(client, [a, b]);
      await out.waitFor(/^1 violation:/);
      const start = out.lines.findIndex((l) => l.startsWith('trace cli-trace'));
      assert.deepEqual(out.lines.slice(start, start + 8), [
        'trace cli-trace  2 segments, 4 spans, 50 ms  (a, b)',
        '└─ a  Entry  GET:/a  ← 10.0.0.1:5000  [Http/http]  50 ms',
        '   └─ a  Exit  GET:/b  → b:8080  [Http/HttpClient]  35 ms',
        '      └─ b  Entry  GET:/b  [Http/http]  25 ms',
        '         └─ b  Exit  pg/query  → db:5432  [Database/PostgreSQL]  8 ms',
        '1 violation:',
        '  ! ref.parent-endpoint [b seg-b/0]: ref has no parentEndpoint; the OAP shows the calling endpoint as "User"',
        '',
      ]);
      // A late segment of the same trace prints it again as an update.
      await collect(client, [segment({ traceId: 'cli-trace', traceSegmentId: 'late', service: 'c', spans: [span({ spanId: 0, tags: [{ key: 'k', value: 'v' }] })] })]);
      await out.waitFor(/^\(update 1: more segments arrived\)$/);
      await out.waitFor(/^└─ c {2}Local {2}op-0 {2}\[Unknown\/Unknown\] {2}100 ms$/);
      await out.waitFor(/^ {8}k = v$/);
      client.close();
      const traces = (await getJson(`${httpUrl}/traces`)) as Array<{ traceId: string; segmentCount: number }>;
      assert.deepEqual(traces.map((t) => [t.traceId, t.segmentCount]), [['cli-trace', 3]]);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    assert.match(out.lines.at(-1) ?? '', /stopped after 3 segments \(0 evicted, 0 malformed, 0 aborted calls\)/);
  });

  it('prints the calls it refuses for a wrong token, and says what the agents must set', async () => {
    const child = spawn(process.execPath, [CLI, '--grpc-port', '0', '--http-port', 'off', '--token', 's3cret'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const out = new Output(child);
    try {
      const banner = await out.waitFor(/^otel-skywalking-collector: gRPC \(plaintext\) on/);
      const grpcAddress = /on (\S+)$/.exec(banner)![1];
      await out.waitFor(/SW_AGENT_AUTHENTICATION=<the --token value>/);
      assert.ok(!out.lines.some((l) => l.includes('s3cret')), 'the token itself is not printed');
      const client = traceClient(grpcAddress);
      await assert.rejects(collect(client, twoServiceTrace('wrong-token'), 'guess'), /UNAUTHENTICATED/);
      await assert.rejects(collect(client, twoServiceTrace('no-token')), /UNAUTHENTICATED/);
      client.close();
      const refusedLines = () => out.lines.filter((l) => /refused \d+ call\(s\) with a missing or wrong Authentication token/.test(l));
      const refusedCount = () => refusedLines().reduce((n, l) => n + Number(/refused (\d+)/.exec(l)![1]), 0);
      for (let waited = 0; refusedCount() < 2 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      assert.equal(refusedCount(), 2, out.lines.join('\n'));
      assert.match(refusedLines()[0], /set the agents' SW_AGENT_AUTHENTICATION to the --token value$/);
    } finally {
      child.kill('SIGTERM');
    }
    await new Promise((resolve) => child.once('exit', resolve));
  });

  it('says TLS in its banner, and what the agents must set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'collector-cli-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=localhost'], { cwd: dir, stdio: 'ignore' });
      const child = spawn(process.execPath, [CLI, '--grpc-port', '0', '--http-port', 'off', '--tls-cert', join(dir, 'c.pem'), '--tls-key', join(dir, 'k.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const out = new Output(child);
      try {
        await out.waitFor(/^otel-skywalking-collector: gRPC \(TLS\) on \S+$/);
        await out.waitFor(/point agents at it: SW_AGENT_COLLECTOR_BACKEND_SERVICES=\S+ SW_AGENT_SECURE=true$/);
      } finally {
        child.kill('SIGTERM');
      }
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a taken port gets one clear message, without grpc-js\'s own log line before it', async () => {
    const holder = new SkyWalkingCollector({ httpPort: false });
    const { grpc: taken } = await holder.start();
    try {
      const port = taken.split(':').at(-1)!;
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, '--grpc-port', port, '--http-port', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], new RegExp(`^otel-skywalking-collector: SkyWalkingCollector: cannot listen for gRPC on 127\\.0\\.0\\.1:${port} \\(port taken`));
    } finally {
      await holder.close();
    }
  });

  it('explains bad arguments and exits with 2; --help exits with 0', () => {
    const bad = spawnSync(process.execPath, [CLI, '--grpc-port', 'abc'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--grpc-port must be a port number \(0-65535\), got "abc"/);
    assert.match(bad.stderr, /Usage: otel-skywalking-collector/);
    const unknown = spawnSync(process.execPath, [CLI, '--nope'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--max-segments <n>/);
  });
});

describe('parseCliArgs', () => {
  it('applies the defaults: gRPC 11800, HTTP 12800, 127.0.0.1', () => {
    const config = parseCliArgs([]);
    assert.equal(config.collector.grpcPort, 11800);
    assert.equal(config.collector.httpPort, 12800);
    assert.equal(config.collector.host, '127.0.0.1');
    assert.equal(config.tags, false);
  });

  it('reads every option', () => {
    const config = parseCliArgs(['--grpc-port', '1', '--http-port', 'off', '--host', '0.0.0.0', '--token', 't', '--max-segments', '5', '--quiet-ms', '50', '--logs']);
    assert.deepEqual(config.collector, { host: '0.0.0.0', grpcPort: 1, httpPort: false, maxSegments: 5, traceQuietMillis: 50, token: 't' });
    assert.equal(config.logs, true);
    assert.throws(() => parseCliArgs(['--max-segments', '0']), /--max-segments must be a positive integer/);
    assert.throws(() => parseCliArgs(['--tls-cert', 'x']), /--tls-cert and --tls-key go together/);
    assert.throws(() => parseCliArgs(['--tls-ca', 'x']), /--tls-ca needs --tls-cert and --tls-key/);
  });
});

describe('onTraceFinished', () => {
  it('fires once a trace has been quiet for traceQuietMillis, and again (revision 1) for late segments', async () => {
    const finished: Array<[Trace, TraceUpdate]> = [];
    const collector = new SkyWalkingCollector({ traceQuietMillis: 30, onTraceFinished: (trace, update) => finished.push([trace, update]) });
    const { grpc: address } = await collector.start();
    const client = traceClient(address);
    try {
      const [a, b] = twoServiceTrace('quiet');
      await collect(client, [a]);
      await collect(client, [b]);
      await collector.waitFor(() => finished.length === 1, 5000);
      assert.equal(finished[0][0].traceId, 'quiet');
      assert.equal(finished[0][1].revision, 0);
      assert.equal(finished[0][0].spanCount, 4, 'both segments arrived before the quiet period ended');
      await collect(client, [segment({ traceId: 'quiet', traceSegmentId: 'late', spans: [span({ spanId: 0, startTime: T0 })] })]);
      await collector.waitFor(() => finished.length === 2, 5000);
      assert.equal(finished[1][1].revision, 1);
      assert.equal(finished[1][0].segments.length, 3);
    } finally {
      client.close();
      await collector.close();
    }
  });

  it('a throwing callback does not break the collector, and is logged through diag once per interval', async () => {
    const logged: string[] = [];
    const log = (message: string): void => {
      logged.push(message);
    };
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    let calls = 0;
    const collector = new SkyWalkingCollector({ traceQuietMillis: 10, onTraceFinished: () => {
      calls++;
      throw new Error('user bug');
    } });
    const { grpc: address } = await collector.start();
    const client = traceClient(address);
    try {
      await collect(client, twoServiceTrace('t1', 'x'));
      await collector.waitFor(() => calls === 1, 5000);
      await collect(client, twoServiceTrace('t2', 'y'));
      await collector.waitFor(() => calls === 2, 5000);
      assert.equal(collector.traces().length, 2);
      assert.deepEqual(logged, ['otel-skywalking: collector: onTraceFinished threw']);
    } finally {
      diag.disable();
      client.close();
      await collector.close();
    }
  });
});
