/** Counters of what the core dropped or cut; nothing is lost silently. */
export interface CoreStats {
  /** Incoming headers ignored because they were malformed, by header name. */
  rejectedHeaders: Record<string, number>;
  /** sw8-correlation pairs dropped (malformed, over 3 keys, or values over 128 chars). */
  correlationDropped: number;
  /** Names and ids cut to the OAP's limits. */
  truncations: number;
}

/** Changed only through the count* functions below; read through getCoreStats. */
export const coreStats: CoreStats = {
  rejectedHeaders: { sw8: 0, 'sw8-correlation': 0, 'sw8-x': 0 },
  correlationDropped: 0,
  truncations: 0,
};

export function countRejected(header: string): void {
  coreStats.rejectedHeaders[header] = (coreStats.rejectedHeaders[header] ?? 0) + 1;
}

/** sw8-correlation pairs the propagator dropped. */
export function countCorrelationDropped(pairs: number): void {
  coreStats.correlationDropped += pairs;
}

/** A name or id cut to the OAP's limits. */
export function countTruncation(): void {
  coreStats.truncations++;
}

/** A copy of the counters, for stats endpoints and tests. */
export function getCoreStats(): CoreStats {
  return { ...coreStats, rejectedHeaders: { ...coreStats.rejectedHeaders } };
}
