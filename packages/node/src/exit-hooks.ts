/**
 * Flush on the way out without changing how the app exits: on 'beforeExit', and on SIGTERM/SIGINT.
 * When nobody else listens to the signal, it is raised again after the flush, so the process ends
 * as it would have without us; when the app listens too, the app decides.
 */
import type { Shutdown } from './types';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function installExitHooks(shutdown: Shutdown): void {
  process.once('beforeExit', () => void shutdown());
  for (const signal of SIGNALS) {
    const onSignal = () => {
      const alone = process.listenerCount(signal) === 1;
      void shutdown().finally(() => {
        process.removeListener(signal, onSignal);
        if (alone) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
