/**
 * The broker a channel talks to, as span attributes: `server.address` / `server.port` from the URL
 * given to `connect` (host and port only, never credentials or vhost), and `network.peer.*` from
 * the socket. Computed once per connection.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';

const AMQP_PORT = 5672;
const AMQPS_PORT = 5671;

export interface ConnectTarget {
  host: string;
  port: number;
}

/** What `connect(url)` dials, read the way amqplib reads it. undefined when the URL is unreadable. */
export function connectTarget(url: unknown): ConnectTarget | undefined {
  try {
    if (url !== null && typeof url === 'object') {
      const spec = url as { protocol?: unknown; hostname?: unknown; port?: unknown };
      const secure = spec.protocol === 'amqps';
      const host = typeof spec.hostname === 'string' && spec.hostname !== '' ? spec.hostname : 'localhost';
      const port = toPort(spec.port) ?? (secure ? AMQPS_PORT : AMQP_PORT);
      return { host, port };
    }
    const text = typeof url === 'string' && url !== '' ? url : 'amqp://localhost';
    const parsed = new URL(text);
    const host = parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost';
    const port = toPort(parsed.port) ?? (parsed.protocol === 'amqps:' ? AMQPS_PORT : AMQP_PORT);
    return { host, port };
  } catch {
    return undefined;
  }
}

function toPort(value: unknown): number | undefined {
  const port = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseInt(value, 10) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

const targets = new WeakMap<object, ConnectTarget>();
const attributesByConnection = new WeakMap<object, Attributes>();
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** Remembers what a connection was opened to (called from the patched `connect`). */
export function rememberTarget(connection: unknown, target: ConnectTarget | undefined): void {
  if (target !== undefined && connection !== null && typeof connection === 'object') targets.set(connection, target);
}

interface SocketView {
  remoteAddress?: unknown;
  remotePort?: unknown;
}

/** Broker attributes of a channel's connection; the socket's address when `connect` was not seen. */
export function brokerAttributes(channel: unknown): Attributes {
  const connection = (channel as { connection?: unknown } | null | undefined)?.connection;
  if (connection === null || typeof connection !== 'object') return NO_ATTRIBUTES;
  const cached = attributesByConnection.get(connection);
  if (cached !== undefined) return cached;
  const socket = (connection as { stream?: SocketView }).stream;
  const peerAddress = typeof socket?.remoteAddress === 'string' ? socket.remoteAddress : undefined;
  const peerPort = typeof socket?.remotePort === 'number' ? socket.remotePort : undefined;
  const target = targets.get(connection);
  const attributes: Attributes = {};
  const serverAddress = target?.host ?? peerAddress;
  const serverPort = target?.port ?? peerPort;
  if (serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = serverAddress;
  if (serverPort !== undefined) attributes[ATTR_SERVER_PORT] = serverPort;
  // The socket's address only when it says more than server.* (a host name was dialled).
  if (peerAddress !== undefined && (peerAddress !== serverAddress || peerPort !== serverPort)) {
    attributes[ATTR_NETWORK_PEER_ADDRESS] = peerAddress;
    if (peerPort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = peerPort;
  }
  // Only cache once the socket answered, so a lookup before connect completes is retried.
  if (peerAddress !== undefined) attributesByConnection.set(connection, Object.freeze(attributes));
  return attributes;
}
