/**
 * One CollectorConnection per process and OAP configuration (addresses, token, TLS material),
 * shared by the trace, meter and log exporters: one HTTP/2 connection for all signals, TLS included
 * (grpc-js compares credentials by identity, so two CollectorConnections never share a TLS
 * connection). Reference counted: a signal that shuts down releases its share, and the last one
 * closes the connection. Connection-level settings that are not part of the key (connect timeout
 * of the TLS handshake, reconnect backoff) are those of the signal that opened it.
 */
import { createHash } from 'node:crypto';
import { CollectorConnection } from './collector-connection';
import type { ExporterConfig } from './config';

/** A signal's share of a connection: release() once, at shutdown (later calls do nothing). */
export interface CollectorConnectionShare {
  readonly connection: CollectorConnection;
  release(): void;
}

interface Entry {
  connection: CollectorConnection;
  shares: number;
}

const connections = new Map<string, Entry>();

/** What makes two configurations reach the same OAP the same way; a digest, so no secret is kept in the key. */
function connectionKey(config: ExporterConfig): string {
  const hash = createHash('sha256');
  const part = (value: string | Buffer | undefined): void => {
    if (value === undefined) {
      hash.update('-');
    } else {
      hash.update(`${Buffer.byteLength(value)}:`);
      hash.update(value);
    }
  };
  part(config.collectors.join(','));
  part(config.authentication);
  part(config.tls === undefined ? undefined : 'tls');
  part(config.tls?.ca);
  part(config.tls?.cert);
  part(config.tls?.key);
  return hash.digest('base64');
}

/** The process's connection for this configuration, opened on first use. */
export function shareCollectorConnection(config: ExporterConfig): CollectorConnectionShare {
  const key = connectionKey(config);
  let entry = connections.get(key);
  if (entry === undefined) {
    entry = { connection: new CollectorConnection(config), shares: 0 };
    connections.set(key, entry);
  }
  entry.shares++;
  const held = entry;
  let released = false;
  return {
    connection: held.connection,
    release: () => {
      if (released) return;
      released = true;
      held.shares--;
      if (held.shares > 0) return;
      if (connections.get(key) === held) connections.delete(key);
      held.connection.close();
    },
  };
}
