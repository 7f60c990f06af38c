// What a user gets from npm: every package under packages/ packed with `npm pack`, installed from the
// tarballs into apps outside the workspace, next to the newest OpenTelemetry that runs on Node 20 and
// the oldest we support (and next to an SDK 1.x sdk-node, which installs without ERESOLVE and is
// refused with a clear message), then run against the collector: CommonJS with --require, ESM with
// --import, NodeSDK with skyWalkingSdkOptions(), and TypeScript strict with node16 and node10
// resolution. Installs use the local npm cache (--prefer-offline) to keep the run bounded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { SpanType } from '@otel-skywalking/core/protocol';

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Run {
  code: number | null;
  out: string;
}

/** Runs a command without blocking the event loop (the collector answers in this process). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, out }));
  });
}

async function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { code, out } = await run(command, args, cwd, env);
  assert.equal(code, 0, `${command} ${args.join(' ')} in ${cwd} failed:\n${out}`);
  return out;
}

/** The publishable packages: every packages/* with a package.json that is not private. */
function workspacePackages(): Array<{ dir: string; name: string }> {
  return readdirSync(join(ROOT, 'packages'))
    .filter((dir) => existsSync(join(ROOT, 'packages', dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.private !== true)
    .map(({ dir, pkg }) => ({ dir, name: pkg.name as string }));
}

const HTTP_APP = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/inner') return res.end('inner');
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/inner' }, (inner) => {
    inner.resume();
    inner.on('end', () => res.end('outer'));
  });
});
server.listen(0, '127.0.0.1', () => {
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/outer' }, (res) => {
    res.resume();
    res.on('end', () => server.close());
  });
});
`;

const ESM_APP = `
import http from 'node:http';
import express from 'express';
const app = express();
app.get('/users/:id', (req, res) => res.send('user ' + req.params.id));
const server = app.listen(0, '127.0.0.1', () => {
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/users/7' }, (res) => {
    res.resume();
    res.on('end', () => server.close());
  });
});
`;

const SDK_APP = `
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { skyWalkingSdkOptions, getStats } = require('@otel-skywalking/node');

const sdk = new NodeSDK({ ...skyWalkingSdkOptions(), instrumentations: [new HttpInstrumentation()] });
sdk.start();
// Required after start(), so that the instrumentation patches it.
const http = require('node:http');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/sdk' }, (res) => {
    res.resume();
    res.on('end', async () => {
      server.close();
      await sdk.shutdown();
      const exporter = getStats().exporter;
      console.log(JSON.stringify({ exported: exporter === undefined ? -1 : exporter.spansExported }));
    });
  });
});
`;

/** Uses every package's public API, typed, under strict TypeScript; compiled and run as CommonJS. */
function typedApp(names: string[]): string {
  return `${names.map((name, i) => `import * as package${i} from '${name}';`).join('\n')}
import * as http from 'node:http';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SkyWalkingSpanProcessor, type SkyWalkingSpanProcessorStats } from '@otel-skywalking/exporter';
import { skyWalkingSdkOptions, getStats, type StartOptions, type TracingStats } from '@otel-skywalking/node';
import { SkyWalkingSampler } from '@otel-skywalking/sampler';
import { createSkyWalkingPropagator } from '@otel-skywalking/propagator-sw8';
import { SpanType } from '@otel-skywalking/core/protocol';
import { SkyWalkingCollector } from '@otel-skywalking/collector';

export const loaded: number = [${names.map((_, i) => `package${i}`).join(', ')}].length;
export const options: StartOptions = { serviceName: 'typed', tracesExporter: 'skywalking' };
export const entry: number = SpanType.Entry;
export const collectorType: typeof SkyWalkingCollector = SkyWalkingCollector;
export const standalone = { sampler: new SkyWalkingSampler(), propagator: createSkyWalkingPropagator(), processor: SkyWalkingSpanProcessor };

const sw = skyWalkingSdkOptions();
// The same spread a NodeSDK takes; a provider keeps the type check quick.
const sdk = new NodeTracerProvider({ spanProcessors: sw.spanProcessors, sampler: sw.sampler });
sdk.register({ propagator: sw.textMapPropagator });
const processorStats: SkyWalkingSpanProcessorStats = sw.spanProcessors[0].getStats();
const server = http.createServer((_req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  trace.getTracer('typed').startActiveSpan('typed-work', (span) => {
    http.get({ host: '127.0.0.1', port, path: '/typed' }, (res) => {
      res.resume();
      res.on('end', async () => {
        span.end();
        server.close();
        await sdk.shutdown();
        const all: TracingStats = getStats();
        console.log(JSON.stringify({ queued: processorStats.queuedSpans, exported: all.exporter?.spansExported ?? -1 }));
      });
    });
  });
});
`;
}

const TSCONFIG = (module: 'node16' | 'commonjs', resolution: 'node16' | 'node10', skipLibCheck: boolean) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module,
      moduleResolution: resolution,
      strict: true,
      skipLibCheck,
      types: ['node'],
      outDir: `build-${resolution}`,
      // node10 resolution is deprecated in TypeScript 5.x and still what `tsc --module commonjs` uses.
      ...(resolution === 'node10' ? { ignoreDeprecations: '5.0' } : {}),
    },
    files: ['typed.ts'],
  });

interface AppSpec {
  /** OpenTelemetry and the other third-party packages the app pins. */
  dependencies: Record<string, string>;
}

describe('installed from packed tarballs, outside the workspace', { timeout: 600_000 }, () => {
  const packages = workspacePackages();
  const work = mkdtempSync(join(tmpdir(), 'otel-skywalking-install-'));
  const collector = new SkyWalkingCollector({ httpPort: false });
  let grpc = '';
  const tarballs = new Map<string, string>();

  const newest: AppSpec = {
    dependencies: {
      // api 1.10.0 installs on Node 20, but SDK 2.12 (the last line for Node 20) accepts api < 1.10 only.
      '@opentelemetry/api': '1.9.0',
      '@opentelemetry/sdk-node': '0.223.0',
      '@opentelemetry/sdk-trace-node': '2.12.0',
      '@opentelemetry/instrumentation-http': '0.223.0',
      '@opentelemetry/instrumentation-express': '0.71.1',
      '@types/node': '^20.19.0',
      express: '^5.3.0',
    },
  };
  // api 1.9: the floor of the Metrics SDK 2.x that @otel-skywalking/node and exporter-metrics bring (the Logs
  // SDK needs 1.4); with api 1.3 npm refuses the install (ERESOLVE on sdk-logs' and sdk-metrics' api peers).
  const oldest: AppSpec = {
    dependencies: {
      '@opentelemetry/api': '1.9.0',
      '@opentelemetry/sdk-node': '0.200.0',
      '@opentelemetry/sdk-trace-node': '2.0.0',
      '@opentelemetry/instrumentation-http': '0.200.0',
      '@types/node': '^20.19.0',
    },
  };

  const sdk1: AppSpec = {
    dependencies: {
      '@opentelemetry/api': '1.9.0',
      '@opentelemetry/sdk-node': '0.57.2',
      '@opentelemetry/exporter-trace-otlp-grpc': '0.57.2',
      '@opentelemetry/instrumentation-http': '0.57.2',
    },
  };
  /** The three installs run at once (mostly waiting on the cache and the disk), each app awaits its own. */
  const installs = new Map<AppSpec, Promise<string>>();

  before(async () => {
    ({ grpc } = await collector.start());
    const packDir = join(work, 'tarballs');
    mkdirSync(packDir);
    const out = await mustRun(
      'npm',
      ['pack', '--json', '--silent', '--pack-destination', packDir, ...packages.flatMap(({ dir }) => ['-w', `packages/${dir}`])],
      ROOT,
    );
    for (const packed of JSON.parse(out.slice(out.indexOf('['))) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>) {
      tarballs.set(packed.name, join(packDir, packed.filename));
      const files = packed.files.map((f) => f.path);
      assert.ok(files.includes('LICENSE'), `${packed.name} ships LICENSE`);
      // Source maps point at src/: shipped, so they resolve.
      if (files.some((f) => f.endsWith('.js.map'))) assert.ok(files.some((f) => /^src\/.*\.ts$/.test(f)), `${packed.name} ships src/`);
    }
    for (const [name, spec] of [['app-newest', newest], ['app-oldest', oldest], ['app-sdk1', sdk1]] as const) {
      const installing = install(name, spec);
      installing.catch(() => undefined); // reported by the test that awaits it
      installs.set(spec, installing);
    }
  });
  after(async () => {
    await collector.close();
    if (process.env.KEEP_INSTALL_APPS === undefined) rmSync(work, { recursive: true, force: true });
    else console.log(`apps kept in ${work}`);
  });

  async function install(name: string, spec: AppSpec): Promise<string> {
    const dir = join(work, name);
    mkdirSync(dir);
    const dependencies: Record<string, string> = { ...spec.dependencies };
    for (const [pkg, file] of tarballs) dependencies[pkg] = `file:${file}`;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, dependencies }, null, 2));
    await mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
    return dir;
  }

  const env = (service: string) => ({
    SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc,
    SW_AGENT_NAME: service,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    NODE_OPTIONS: '',
  });

  async function spansOf(service: string, out: string) {
    const trace = await collector
      .waitFor((c) => c.traces().find((t) => t.services.includes(service)), 15_000)
      .catch((err: Error) => assert.fail(`${err.message}\napp output:\n${out}`));
    return trace.segments.filter((s) => s.service === service).flatMap((s) => s.spans);
  }

  it('packs every package under packages/ with its LICENSE and sources', () => {
    assert.deepEqual([...tarballs.keys()].sort(), packages.map((p) => p.name).sort());
  });

  for (const [label, spec] of [['newest (api 1.9, SDK 2.12, sdk-node 0.223)', newest], ['oldest (api 1.9, SDK 2.0, sdk-node 0.200)', oldest]] as const) {
    describe(`next to OpenTelemetry ${label}`, () => {
      const tag = spec === newest ? 'newest' : 'oldest';
      let dir = '';
      const compiled = new Map<string, Promise<string>>();
      before(async () => {
        dir = await installs.get(spec)!;
        writeFileSync(join(dir, 'http-app.cjs'), HTTP_APP);
        writeFileSync(join(dir, 'sdk-app.cjs'), SDK_APP);
        writeFileSync(join(dir, 'typed.ts'), typedApp(packages.map((p) => p.name)));
        // sdk-node 0.200's own .d.ts need a newer api than 1.3 (MetricAdvice): the library check is
        // left to the newest set, the oldest still type-checks every use of our packages.
        writeFileSync(join(dir, 'tsconfig.node16.json'), TSCONFIG('node16', 'node16', spec === oldest));
        writeFileSync(join(dir, 'tsconfig.node10.json'), TSCONFIG('commonjs', 'node10', spec === oldest));
        for (const resolution of ['node16', 'node10']) {
          const compiling = mustRun(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], dir);
          compiling.catch(() => undefined); // reported by the test that awaits it
          compiled.set(resolution, compiling);
        }
      });

      it('CommonJS: node --require @otel-skywalking/node/register traces the app', async () => {
        const service = `install-cjs-${tag}`;
        const { code, out } = await run(process.execPath, ['--require', '@otel-skywalking/node/register', 'http-app.cjs'], dir, env(service));
        assert.equal(code, 0, out);
        const spans = await spansOf(service, out);
        // The app calls itself: its client call, the server's entry, the inner call and its entry.
        assert.deepEqual(spans.map((s) => s.spanType).sort(), [SpanType.Entry, SpanType.Entry, SpanType.Exit, SpanType.Exit], out);
      });

      it('NodeSDK with skyWalkingSdkOptions(): getStats() counts the exported spans', async () => {
        const service = `install-sdk-${tag}`;
        const { code, out } = await run(process.execPath, ['sdk-app.cjs'], dir, env(service));
        assert.equal(code, 0, out);
        assert.ok((await spansOf(service, out)).length >= 2, out);
        const { exported } = JSON.parse(out.slice(out.lastIndexOf('{"exported"')));
        assert.ok(exported >= 2, out);
      });

      for (const resolution of ['node16', 'node10'] as const) {
        it(`TypeScript strict, ${resolution} resolution: compiles and runs`, async () => {
          await compiled.get(resolution);
          const service = `install-ts-${resolution}-${tag}`;
          const { code, out } = await run(process.execPath, [`build-${resolution}/typed.js`], dir, env(service));
          assert.equal(code, 0, out);
          const spans = await spansOf(service, out);
          assert.ok(spans.some((s) => s.operationName === 'typed-work'), out);
        });
      }

      if (spec === newest) {
        it('ESM: node --import @otel-skywalking/node/register instruments express imported as a module', async () => {
          writeFileSync(join(dir, 'esm-app.mjs'), ESM_APP);
          const service = 'install-esm-newest';
          const { code, out } = await run(process.execPath, ['--import', '@otel-skywalking/node/register', 'esm-app.mjs'], dir, env(service));
          assert.equal(code, 0, out);
          const spans = await spansOf(service, out);
          assert.ok(spans.some((s) => s.spanType === SpanType.Entry && s.operationName.includes('/users/:id')), JSON.stringify(spans.map((s) => s.operationName)));
        });
      }
    });
  }

  it('next to an SDK 1.x sdk-node: installs without ERESOLVE, and skyWalkingSdkOptions() refuses clearly', async () => {
    const dir = await installs.get(sdk1)!;
    writeFileSync(join(dir, 'sdk-app.cjs'), SDK_APP);
    const { out } = await run(process.execPath, ['sdk-app.cjs'], dir, env('install-sdk1'));
    assert.match(out, /OpenTelemetry JS SDK 1\.x \(@opentelemetry\/sdk-trace-base 1\.\d+\.\d+\)/, out);
    assert.match(out, /needs SDK 2\.x/, out);
  });
});
