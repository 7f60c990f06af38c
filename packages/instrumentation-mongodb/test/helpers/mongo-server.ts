/**
 * A MongoDB-wire server per test file: jongodb (a native executable) on a free port, a
 * single-node replica set (transactions) or a standalone server, or the real MongoDB named by
 * MONGODB_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface MongoServer {
  /** Connection string for the driver (replica set `rs0` for jongodb). */
  uri: string;
  /** Host and port of the (first) server, as the driver will report them. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

const JONGODB = join(
  require.resolve('@jongodb/memory-server-bin-linux-x64-gnu/package.json'),
  '..',
  'bin',
  'jongodb',
);
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function firstHost(uri: string): { host: string; port: number } {
  const match = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?,]+)/.exec(uri);
  if (match === null) throw new Error(`cannot read a host from MONGODB_URL ${uri}`);
  const hostPort = match[1]!;
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0 || hostPort.endsWith(']')) return { host: hostPort.replace(/^\[|\]$/g, ''), port: 27017 };
  return { host: hostPort.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(colon + 1)) };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function spawnJongodb(port: number, replicaSet: boolean): Promise<MongoServer> {
  const args = ['--host=127.0.0.1', `--port=${port}`, '--database=test'];
  if (replicaSet) args.push('--topology-profile=singleNodeReplicaSet', '--replica-set-name=rs0');
  const child = spawn(JONGODB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const uri = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const settle = (): void => {
      clearTimeout(timer);
      child.stdout!.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.removeListener('error', fail);
    };
    const fail = (error: Error): void => {
      settle();
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const match = /^JONGODB_URI=(\S+)/m.exec(stdout);
      if (match !== null) {
        settle();
        resolve(match[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null): void =>
      fail(new Error(`jongodb exited (${code ?? signal}) before ready: ${stderr}`));
    const timer = setTimeout(() => fail(new Error('jongodb did not print JONGODB_URI in time')), READY_TIMEOUT_MS);
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', fail);
  });
  // keep draining its output so the server never blocks on a full pipe
  child.stdout!.resume();
  // should the test process end without stop() (a crash), the server does not outlive it
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return { uri, host: '127.0.0.1', port, stop: () => stopProcess(child) };
}

/**
 * Starts jongodb on a free port (retrying if another process takes the port first), as replica
 * set `rs0` unless `replicaSet` is false; or uses MONGODB_URL.
 */
export async function startMongoServer({ replicaSet = true }: { replicaSet?: boolean } = {}): Promise<MongoServer> {
  const external = process.env['MONGODB_URL'];
  if (external !== undefined && external !== '') {
    return { uri: external, ...firstHost(external), stop: async () => {} };
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnJongodb(await freePort(), replicaSet);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
