/**
 * Lines the user must see even without a diag logger (NodeSDK sets none by default): the start line
 * and setups we refuse. Written to stderr, so the app's stdout stays its own.
 */
export function printNotice(message: string): void {
  process.stderr.write(`otel-skywalking: ${message}\n`);
}
