// `npm test` on a fresh machine: scripts/test-services.sh (its pretest step) starts what is installed
// and installs what is missing. Checked here as a dry run against ports nobody listens on and a PATH
// without the servers, so the install path is exercised without changing this machine.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SCRIPT = resolve(__dirname, '../../scripts/test-services.sh');
const ROOT = resolve(__dirname, '../..');

/** Ports that were free a moment ago: nothing answers on them. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    ports.push((server.address() as { port: number }).port);
    await new Promise<void>((done) => server.close(() => done()));
  }
  return ports;
}

/** A PATH with the shell tools the script uses, and none of the servers. */
function barePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'test-services-path-'));
  for (const tool of ['id', 'ls', 'sort', 'tail', 'seq', 'sleep']) symlinkSync(`/usr/bin/${tool}`, join(dir, tool));
  return dir;
}

function run(args: string[], env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const result = spawnSync('/bin/bash', [SCRIPT, ...args], { env, encoding: 'utf8', cwd: ROOT });
  return { status: result.status, out: result.stdout + result.stderr };
}

describe('scripts/test-services.sh (the pretest step of npm test)', () => {
  it('is what npm test and npm start run first, and what .ci/run relies on', () => {
    const pkg = require(join(ROOT, 'package.json')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.pretest, 'scripts/test-services.sh');
    // The demo runs without RabbitMQ (it says so), so a missing broker does not stop npm start.
    assert.match(pkg.scripts.prestart, /^scripts\/test-services\.sh rabbitmq \|\| /);
  });

  it('installs every missing server and Chromium from Debian packages, then starts them (dry run)', async () => {
    const [rabbit, pg, maria, redis] = await freePorts(4);
    const { status, out } = run([], {
      PATH: barePath(),
      TEST_SERVICES_DRY_RUN: '1',
      RABBITMQ_PORT: String(rabbit),
      POSTGRES_PORT: String(pg),
      MARIADB_PORT: String(maria),
      REDIS_PORT: String(redis),
      MARIADBD_PATH: '/nonexistent/mariadbd',
      CHROMIUM_PATH: '/nonexistent/chromium',
    });
    assert.equal(status, 0, out);
    const asRoot = spawnSync('id', ['-u'], { encoding: 'utf8' }).stdout.trim() === '0';
    for (const pkg of ['rabbitmq-server', 'postgresql', 'mariadb-server', 'redis-server', 'chromium']) {
      if (asRoot) assert.match(out, new RegExp(`would run: apt-get install -y -qq --no-install-recommends ${pkg}\\n`), out);
      else assert.match(out, new RegExp(`as root run: apt-get update && apt-get install -y --no-install-recommends ${pkg}`), out);
    }
    if (asRoot) {
      assert.equal(out.match(/would run: apt-get update/g)?.length, 1, out);
      assert.match(out, /would run: rabbitmq-server -detached/);
      assert.match(out, /would run: pg_ctlcluster --skip-systemctl-redirect \S+ main start/);
      assert.match(out, /would run: start-stop-daemon --start --oknodo --background --exec \/nonexistent\/mariadbd/);
      assert.match(out, new RegExp(`would run: redis-server --daemonize yes --bind 127.0.0.1 --port ${redis} `));
    }
  });

  it('leaves running servers alone and only checks their ports', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    try {
      const { status, out } = await new Promise<{ status: number | null; out: string }>((done) => {
        // spawnSync would block the event loop that accepts the script's port check.
        const child = spawn('/bin/bash', [SCRIPT, 'redis'], {
          env: { PATH: barePath(), TEST_SERVICES_DRY_RUN: '1', REDIS_PORT: String(port) },
        });
        let text = '';
        child.stdout.on('data', (c: Buffer) => (text += c));
        child.stderr.on('data', (c: Buffer) => (text += c));
        child.on('exit', (code: number | null) => done({ status: code, out: text }));
      });
      assert.equal(status, 0, out);
      assert.equal(out, `test-services: Redis is listening on 127.0.0.1:${port}\n`);
    } finally {
      server.close();
    }
  });

  it('names an unknown service and fails', () => {
    const { status, out } = run(['kafka'], { PATH: barePath(), TEST_SERVICES_DRY_RUN: '1' });
    assert.equal(status, 1);
    assert.match(out, /unknown service kafka/);
  });
});
