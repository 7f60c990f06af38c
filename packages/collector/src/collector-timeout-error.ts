/** waitFor gave up: the message says what the collector had received by then. */
export class CollectorTimeoutError extends Error {
  override readonly name = 'CollectorTimeoutError';
  readonly code = 'COLLECTOR_WAIT_TIMEOUT';
}
