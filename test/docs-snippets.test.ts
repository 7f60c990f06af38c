// Every code block in README.md and docs/*.md is a file under docs/snippets, marked in the markdown by
// `<!-- snippet: docs/snippets/NAME -->` on the line before it, and the block holds exactly the file's
// text. Each file is then run or checked by its kind below: programs and register commands run against
// the collector, command lines are checked against what the packages provide, sample output against
// the real shape. A new snippet without a kind here fails the test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { SkyWalkingSampler } from '@otel-skywalking/sampler';

const ROOT = resolve(__dirname, '../..');
const SNIPPETS = join(ROOT, 'docs', 'snippets');
/** Where runnable copies go: inside the workspace, so the packages resolve as they would for a user. */
const RUN_DIR = join(ROOT, 'test', 'build', 'snippet-runs');
const FIXTURES = join(ROOT, 'test', 'fixtures');
/** The OAP addresses the docs use, replaced by the collector's in the runnable copies. */
const DOC_ADDRESSES = /\b(oap(?:\.internal|-1|-2)?):11800\b/g;

type Kind =
  /** `VAR=... node --require|--import @otel-skywalking/node/register app.js`: run on a fixture app. */
  | 'register'
  /** A CommonJS setup: run with a span started after it; the span must reach the collector. */
  | 'setup'
  /** A TypeScript setup: transpiled, then run as 'setup'. */
  | 'ts-setup'
  /** A whole program with its own collector: runs to its end with exit code 0. */
  | 'program'
  /** Command lines: npm scripts, package names and binaries must exist. */
  | 'commands'
  /** TypeScript that needs the reader's code around it: must transpile. */
  | 'ts-fragment'
  /** The sampler's stats as JSON: the same keys as getStats(). */
  | 'sampler-stats'
  /** The collector CLI's banner: what the CLI prints, with the default addresses. */
  | 'collector-banner'
  /** The start line: what the register entry point prints, with the instance id shortened. */
  | 'start-line'
  /** A CommonJS program that sets up its own MeterProvider: run, flushed, its meters reach the collector. */
  | 'meters'
  /** A MAL rule: the rules of the example file the exporter-metrics tests check against what it sends. */
  | 'mal-rule'
  /**
   * A diagram naming source files: every `packages/….ts` path exists, and so does every other `name.ts`
   * on its line, in that path's folder.
   */
  | 'file-map'
  /** Sample output or a diagram, kept in the docs as an illustration. */
  | 'illustration';

const KINDS: Record<string, Kind> = {
  'readme-commands.sh': 'commands',
  'readme-register.sh': 'register',
  'readme-pieces.js': 'setup',
  'readme-collector.sh': 'commands',
  'readme-collector-in-tests.mjs': 'program',
  'getting-started-install.sh': 'commands',
  'getting-started-register.sh': 'register',
  'getting-started-register-esm.sh': 'register',
  'getting-started-start-line.txt': 'start-line',
  'getting-started-start.js': 'setup',
  'getting-started-nodesdk.js': 'setup',
  'getting-started-provider.js': 'setup',
  'getting-started-collector.sh': 'commands',
  'getting-started-collector-dev.sh': 'commands',
  'collector-run.sh': 'commands',
  'collector-banner.txt': 'collector-banner',
  'collector-trace-output.txt': 'illustration',
  'collector-in-tests.ts': 'ts-fragment',
  'propagation-global.ts': 'ts-setup',
  'reliability-pipeline.txt': 'illustration',
  'reliability-stats-shape.txt': 'illustration',
  'sampling-provider.ts': 'ts-setup',
  'sampling-stats.json': 'sampler-stats',
  'meters-own.js': 'meters',
  'meters-rule.yaml': 'mal-rule',
  'meters-collector-line.txt': 'illustration',
  'architecture-flow.txt': 'file-map',
};

interface Block {
  doc: string;
  line: number;
  marker?: string;
  text: string;
}

/** Every fenced block of a markdown file, with the snippet marker on the line before it, if any. */
function blocks(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```/.test(lines[i])) continue;
    const end = lines.indexOf('```', i + 1);
    assert.ok(end > i, `${doc}:${i + 1}: unclosed code block`);
    const marker = /^<!-- snippet: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    out.push({ doc, line: i + 1, marker, text: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return out;
}

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const packageJson = (dir: string) => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
const OUR_PACKAGES = new Map(
  readdirSync(join(ROOT, 'packages')).map((dir) => {
    const pkg = packageJson(`packages/${dir}`);
    return [pkg.name as string, pkg as { bin?: Record<string, string> }];
  }),
);

function run(args: string[], env: NodeJS.ProcessEnv, cwd = RUN_DIR): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, out }));
  });
}

/** Checks one command line of a 'commands' snippet against the repository and the packages. */
function checkCommand(line: string): void {
  const command = line.replace(/\s+#.*$/, '').trim();
  if (command === '') return;
  const rootScripts = packageJson('.').scripts as Record<string, string>;
  for (const part of command.split('&&').map((p) => p.trim())) {
    let m: RegExpExecArray | null;
    if (part === 'npm ci') continue;
    if ((m = /^npm (test|start)$/.exec(part))) {
      assert.ok(rootScripts[m[1]], `npm ${m[1]} is a script`);
      assert.ok(rootScripts[`pre${m[1]}`]?.startsWith('scripts/test-services.sh'), `npm ${m[1]} makes its servers ready first`);
    } else if ((m = /^npm install (?:--save-dev )?(.+)$/.exec(part))) {
      for (const name of m[1].split(/\s+/)) {
        if (name.startsWith('@otel-skywalking/')) assert.ok(OUR_PACKAGES.has(name), `${name} is one of our packages`);
      }
    } else if ((m = /^npx -p (\S+) (\S+)$/.exec(part))) {
      assert.ok(OUR_PACKAGES.get(m[1])?.bin?.[m[2]], `${m[1]} provides the ${m[2]} binary`);
    } else if ((m = /^npx (\S+)$/.exec(part))) {
      // Only after the package is installed (the line before installs it).
      assert.ok([...OUR_PACKAGES.values()].some((pkg) => pkg.bin?.[m![1]]), `one of our packages provides ${m[1]}`);
    } else {
      assert.fail(`no check for the command "${part}"`);
    }
  }
}

/** The key paths of a JSON value, e.g. ['decisions', 'sampled.root', ...]. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('docs snippets', () => {
  const all = DOCS.flatMap(blocks);
  const files = readdirSync(SNIPPETS).sort();
  const collector = new SkyWalkingCollector({ httpPort: false });
  let grpc = '';
  before(async () => {
    ({ grpc } = await collector.start());
    mkdirSync(RUN_DIR, { recursive: true });
  });
  after(() => collector.close());

  it('every code block in README.md and docs/*.md is a snippet file, word for word', () => {
    const unmarked = all.filter((b) => b.marker === undefined).map((b) => `${b.doc}:${b.line}`);
    assert.deepEqual(unmarked, [], 'code blocks without a <!-- snippet: docs/snippets/NAME --> line before them');
    for (const block of all) {
      const file = readFileSync(join(ROOT, block.marker!), 'utf8');
      assert.equal(block.text, file, `${block.doc}:${block.line} differs from ${block.marker}`);
    }
    const used = all.map((b) => b.marker!.replace('docs/snippets/', '')).sort();
    assert.deepEqual([...new Set(used)].sort(), files, 'every snippet file is shown once, and only those');
    assert.deepEqual(Object.keys(KINDS).sort(), files, 'every snippet file has a kind (how it is tested)');
  });

  const envFor = (service: string) => ({ OTEL_BSP_SCHEDULE_DELAY: '50', SW_AGENT_START_MESSAGE: 'false', NODE_OPTIONS: '', SW_AGENT_NAME: service });

  for (const [file, kind] of Object.entries(KINDS)) {
    const text = () => readFileSync(join(SNIPPETS, file), 'utf8');
    const service = `docs-${file.replace(/\.\w+$/, '')}`;

    if (kind === 'register') {
      it(`${file}: the command traces an app into the collector`, async () => {
        const words = text().replace(/\\\n/g, ' ').trim().split(/\s+/);
        const env: Record<string, string> = {};
        while (/^[A-Z_]+=/.test(words[0])) {
          const [name, value] = words.shift()!.split('=');
          env[name] = value.replace(DOC_ADDRESSES, grpc);
        }
        assert.equal(words[0], 'node');
        const app = words.at(-1)!;
        assert.match(app, /^app\.m?js$/);
        // The docs' app: a server that calls itself once, then ends.
        const args = [...words.slice(1, -1), join(FIXTURES, app === 'app.js' ? 'self-call-app.cjs' : 'self-call-app.mjs')];
        const named = `${env.SW_AGENT_NAME}-${file}`;
        const { code, out } = await run(args, { ...envFor(named), ...env, SW_AGENT_NAME: named });
        assert.equal(code, 0, out);
        assert.doesNotMatch(out, /is an ES module/, out);
        await collector.waitFor((c) => c.segments().some((s) => s.service === named), 15_000);
      });
    }

    if (kind === 'setup' || kind === 'ts-setup') {
      const what = kind === 'setup' ? 'runs, and a span started after it reaches the collector' : 'transpiles and runs';
      it(`${file}: ${what}`, async () => {
        let source = text().replace(DOC_ADDRESSES, grpc);
        if (kind === 'ts-setup') {
          // These set up propagation or sampling only (the reader adds the processor): they must run.
          source = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
        }
        const operation = `snippet-${file}`;
        const driver = `
;require('@opentelemetry/api').trace.getTracer('docs').startActiveSpan(${JSON.stringify(operation)}, (span) => span.end());
setTimeout(() => process.exit(0), 1500);
`;
        const copy = join(RUN_DIR, `${file.replace(/\.\w+$/, '')}.cjs`);
        writeFileSync(copy, source + driver);
        const { code, out } = await run([copy], { ...envFor(service), SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc });
        assert.equal(code, 0, out);
        if (kind === 'setup') {
          const spans = await collector.waitFor(
            (c) => c.segments().flatMap((s) => s.spans).filter((s) => s.operationName === operation),
            15_000,
          ).catch((err: Error) => assert.fail(`${err.message}\n${out}`));
          assert.equal(spans.length, 1, out);
        }
      });
    }

    if (kind === 'program') {
      it(`${file}: runs to its end against its own collector`, async () => {
        const copy = join(RUN_DIR, file);
        writeFileSync(copy, text());
        const { code, out } = await run([copy], { NODE_OPTIONS: '' });
        assert.equal(code, 0, out);
        assert.match(out, /^checkout \[\] \[/m, out);
      });
    }

    if (kind === 'commands') {
      it(`${file}: every command names what exists`, () => {
        for (const line of text().split('\n')) checkCommand(line);
      });
    }

    if (kind === 'ts-fragment') {
      it(`${file}: is valid TypeScript`, () => {
        const result = ts.transpileModule(text(), { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        assert.deepEqual(result.diagnostics ?? [], []);
      });
    }

    if (kind === 'collector-banner') {
      it(`${file}: is what the CLI prints`, async () => {
        const cli = join(ROOT, 'packages', 'collector', 'build', 'src', 'cli.js');
        const child = spawn(process.execPath, [cli, '--grpc-port', '0', '--http-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c));
        try {
          for (let waited = 0; !out.includes('\n\n') && waited < 15_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        } finally {
          child.kill('SIGTERM');
        }
        const [, grpcAddress, httpAddress] = /on (\S+), JSON on http:\/\/(\S+)\/traces/.exec(out) ?? [];
        assert.ok(grpcAddress && httpAddress, out);
        const shown = out.split('\n\n')[0].replaceAll(grpcAddress, '127.0.0.1:11800').replaceAll(httpAddress, '127.0.0.1:12800') + '\n';
        assert.equal(shown, text());
      });
    }

    if (kind === 'start-line') {
      it(`${file}: is what the register entry point prints`, async () => {
        const express = join(ROOT, 'node_modules', '@opentelemetry', 'instrumentation-express');
        assert.ok(readdirSync(express).length > 0, 'the line shows express: instrumentation-express is installed here');
        const { code, out } = await run(['--require', '@otel-skywalking/node/register', join(FIXTURES, 'self-call-app.cjs')], {
          SW_AGENT_NAME: 'orders',
          SW_AGENT_COLLECTOR_BACKEND_SERVICES: 'oap.internal:11800',
          SW_AGENT_TRACE_TIMEOUT: '200',
          NODE_OPTIONS: '',
        });
        assert.equal(code, 0, out);
        const line = out.split('\n').find((l) => l.startsWith('otel-skywalking: tracing'));
        assert.equal(line?.replace(/instance [0-9a-f]{4}[0-9a-f]+@\S+,/, 'instance 6c1f…@host,') + '\n', text(), out);
      });
    }

    if (kind === 'meters') {
      it(`${file}: runs, and its meters reach the collector`, async () => {
        const copy = join(RUN_DIR, file.replace(/\.\w+$/, '.cjs'));
        // The docs' program reports every 20 s: flush once at its end instead.
        writeFileSync(copy, `${text()}\n;provider.forceFlush().then(() => { stopRuntimeMeters(); return provider.shutdown(); }).then(() => process.exit(0));\n`);
        const { code, out } = await run([copy], { NODE_OPTIONS: '', SW_AGENT_COLLECTOR_BACKEND_SERVICES: grpc });
        assert.equal(code, 0, out);
        const names = collector.meters({ service: 'checkout' }).flatMap((i) => i.meters.map((m) => m.name));
        for (const name of ['checkout_orders', 'checkout_basket_size', 'instance_nodejs_heap_used']) assert.ok(names.includes(name), `${name} in ${names.join(',')}`);
      });
    }

    if (kind === 'mal-rule') {
      it(`${file}: is the example rule file the exporter-metrics tests check`, () => {
        const example = readFileSync(join(ROOT, 'packages', 'exporter-metrics', 'examples', 'checkout-meters.yaml'), 'utf8');
        const rules = example.split('\n').filter((line) => !line.startsWith('#')).join('\n');
        assert.equal(text(), rules);
      });
    }

    if (kind === 'file-map') {
      it(`${file}: names files that exist`, () => {
        const missing: string[] = [];
        let named = 0;
        for (const line of text().split('\n')) {
          const path = /\bpackages\/[\w./-]+\.ts\b/.exec(line)?.[0];
          if (path === undefined) continue;
          const others = [...line.replace(path, '').matchAll(/\b[\w-]+\.ts\b/g)].map((m) => join(dirname(path), m[0]));
          for (const file of [path, ...others]) {
            named++;
            if (!existsSync(join(ROOT, file))) missing.push(file);
          }
        }
        assert.ok(named >= 20, `only ${named} files named`);
        assert.deepEqual(missing, [], 'files the diagram names that do not exist');
      });
    }

    if (kind === 'sampler-stats') {
      it(`${file}: has the keys of SkyWalkingSampler#getStats()`, () => {
        const shown = keyPaths(JSON.parse(text())).sort();
        assert.deepEqual(shown, keyPaths(new SkyWalkingSampler().getStats()).sort());
      });
    }
  }
});
