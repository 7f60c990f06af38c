/**
 * Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. Used for
 * shutdown() and forceFlush() (the exporters', the setup's): while the caller awaits them, this
 * timer keeps the process up so that the caller's next line runs (at most `ms` later), even when
 * only unref'd exporter timers and sockets remain. The one ref'd timer, and it always ends.
 */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
