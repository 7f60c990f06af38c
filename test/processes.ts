import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Service {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts a node program; resolves when it prints {"port": N} (other output is ignored). */
export async function startService(args: string[], env: NodeJS.ProcessEnv): Promise<Service> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((done, fail) => {
    let buffered = '';
    child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) done(JSON.parse(line).port);
    });
    child.once('exit', (code) => fail(new Error(`${args.join(' ')} exited (${code}) before listening`)));
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
