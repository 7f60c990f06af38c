import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export const fixture = (name: string) => resolve(__dirname, '../../test/fixtures', name);

export interface RunningApp {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** Starts a fixture app with a Node flag (--require / --import) and env; resolves once it listens. */
export function runApp(flag: string, file: string, env: NodeJS.ProcessEnv): Promise<RunningApp> {
  return runNode([flag, '@otel-skywalking/node/register', fixture(file)], env);
}

/** Runs node with these arguments; resolves once the program prints {"port": N}. */
export async function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<RunningApp> {
  const child = spawn(process.execPath, args, {
    cwd: __dirname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((done, fail) => {
    let buffered = '';
    child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) done(JSON.parse(line).port);
      output += chunk;
    });
    child.once('exit', (code) => fail(new Error(`app exited (${code}) before listening:\n${output}`)));
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      const started = Date.now();
      if (child.exitCode !== null) return { code: child.exitCode, signal: null, ms: 0 };
      child.kill('SIGTERM');
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      return { code, signal, ms: Date.now() - started };
    },
  };
}

export async function get(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}
