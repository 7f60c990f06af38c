/**
 * `server.address` / `server.port` of a driver connection: the host name the driver knows the
 * server by (connection string or replica set member list: `mongo.internal:27017`, not the IP the
 * socket resolved to), so that the SkyWalking peer and the virtual database service keep one stable
 * name. Learned when the pool opens a connection, cached per connection object.
 */

export interface ServerEndpoint {
  address: string | undefined;
  port: number | undefined;
}

/** The driver's `HostAddress` (`lib/utils.js`), as far as we read it. */
interface HostAddressLike {
  host?: unknown;
  port?: unknown;
  socketPath?: unknown;
}

const endpoints = new WeakMap<object, ServerEndpoint>();

function fromHostAddress(hostAddress: HostAddressLike): ServerEndpoint | undefined {
  if (typeof hostAddress.socketPath === 'string' && hostAddress.socketPath !== '') {
    return { address: hostAddress.socketPath, port: undefined };
  }
  if (typeof hostAddress.host !== 'string' || hostAddress.host === '') return undefined;
  const host = hostAddress.host.startsWith('[') ? hostAddress.host.slice(1, -1) : hostAddress.host;
  const port = typeof hostAddress.port === 'number' && Number.isInteger(hostAddress.port) ? hostAddress.port : undefined;
  return { address: host, port };
}

/** Parses the connection's own `address` (`ip:port`, `[v6]:port`): the fallback for connections opened before we were enabled. */
function fromAddressString(address: unknown): ServerEndpoint {
  if (typeof address !== 'string' || address === '') return { address: undefined, port: undefined };
  const colon = address.lastIndexOf(':');
  const closing = address.lastIndexOf(']');
  if (colon <= 0 || colon < closing) return { address: address.replace(/^\[|\]$/g, ''), port: undefined };
  const port = Number(address.slice(colon + 1));
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  return { address: host, port: Number.isInteger(port) && port > 0 ? port : undefined };
}

/** Remembers which configured host a new connection belongs to (`options.hostAddress` of `connect`). */
export function rememberEndpoint(connection: unknown, connectOptions: unknown): void {
  if (typeof connection !== 'object' || connection === null) return;
  const hostAddress = (connectOptions as { hostAddress?: unknown } | null | undefined)?.hostAddress;
  if (typeof hostAddress !== 'object' || hostAddress === null) return;
  const endpoint = fromHostAddress(hostAddress as HostAddressLike);
  if (endpoint !== undefined) endpoints.set(connection, endpoint);
}

/** The endpoint of a connection: remembered at connect time, else parsed from its address once. */
export function endpointOf(connection: object): ServerEndpoint {
  let endpoint = endpoints.get(connection);
  if (endpoint === undefined) {
    endpoint = fromAddressString((connection as { address?: unknown }).address);
    endpoints.set(connection, endpoint);
  }
  return endpoint;
}
