// A child process of a benchmark (an app, a sink) that answers questions on stdin with one line on
// stdout each: READY <port|address> at start, then RSS, CPU or STATS lines.
import { spawn, type ChildProcess } from 'node:child_process';

export interface LineChild {
  child: ChildProcess;
  /** The next answer line (READY, RSS, CPU, STATS); other output (an agent's logs) is skipped. */
  nextLine(): Promise<string>;
  /** Writes `question` and gives the words of its answer, the first being the answer's name. */
  ask(question: string): Promise<string[]>;
  /** Closes its stdin (it exits) and kills it if it is still there 2 s later. */
  stop(): void;
}

/**
 * Spawns `command args`; `stderr` 'inherit' shows the child's errors, 'drop' discards them (valgrind's
 * chatter).
 */
export function spawnLineChild(
  args: string[],
  env: Record<string, string>,
  { command = process.execPath, stderr = 'inherit' }: { command?: string; stderr?: 'inherit' | 'drop' } = {},
): LineChild {
  const child = spawn(command, args, {
    env: { ...process.env, SW_AGENT_LOGGING_LEVEL: 'error', ...env },
    stdio: ['pipe', 'pipe', stderr === 'inherit' ? 'inherit' : 'pipe'],
  });
  child.stderr?.resume();
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      // skywalking-backend-js logs to stdout: only the processes' own answers count
      if (/^(READY|RSS|CPU|STATS) /.test(line)) waiting.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  return {
    child,
    nextLine,
    ask: async (question) => {
      const answer = nextLine();
      child.stdin!.write(`${question}\n`);
      return (await answer).split(' ');
    },
    stop: () => {
      child.stdin!.end();
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    },
  };
}
