/** Pure helpers: the stable HTTP semantic-convention attributes of a request, from what Node hands us. */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_HEADER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_HEADER,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeader, RequestOptions } from 'node:http';
import { URL } from 'node:url';

/** Query parameters whose values are shown as REDACTED unless configured otherwise (contrib's list). */
export const DEFAULT_REDACTED_QUERY_PARAMS: readonly string[] = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];
const REDACTED = 'REDACTED';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** The method as semantic conventions name it: upper case if known, else `_OTHER`. */
function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** `query` (without '?') with the values of `redacted` parameters replaced; unchanged when none occurs. */
function redactQuery(query: string, redacted: readonly string[]): string {
  if (redacted.length === 0) return query;
  let found = false;
  for (const name of redacted) {
    if (query.includes(name)) {
      found = true;
      break;
    }
  }
  if (!found) return query;
  const params = new URLSearchParams(query);
  let changed = false;
  for (const name of redacted) {
    if (params.has(name)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? params.toString() : query;
}

interface HostAndPort {
  host: string;
  port?: number;
}

/** `host[:port]` or `[v6][:port]`, with the scheme's default port when none is written. */
function parseHost(value: string, scheme: string | undefined): HostAndPort {
  const bracket = value.startsWith('[') ? value.indexOf(']') : -1;
  const colon = value.lastIndexOf(':');
  if (colon > bracket && (bracket >= 0 || value.indexOf(':') === colon)) {
    const port = Number(value.slice(colon + 1));
    return { host: value.slice(0, colon), port: Number.isInteger(port) ? port : undefined };
  }
  if (bracket < 0 && colon >= 0) return { host: value }; // bare IPv6, no port
  return { host: value, port: scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The `for=` and `host=`/`proto=` of the first element of a `Forwarded` header that has them. */
function forwardedPart(header: string, name: 'for' | 'host' | 'proto'): string | undefined {
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== name) continue;
      const value = pair.slice(eq + 1).trim();
      return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
  }
  return undefined;
}

/** The address the client asked for: Forwarded host, X-Forwarded-Host, else Host. */
function serverAddress(headers: IncomingHttpHeaders, scheme: string): HostAndPort | undefined {
  const forwarded = first(headers.forwarded);
  if (forwarded !== undefined) {
    const host = forwardedPart(forwarded, 'host');
    if (host !== undefined) return parseHost(host, forwardedPart(forwarded, 'proto'));
  }
  const forwardedHost = first(headers['x-forwarded-host']);
  if (forwardedHost !== undefined && forwardedHost !== '') return parseHost(forwardedHost, first(headers['x-forwarded-proto']));
  const host = headers.host;
  return host !== undefined && host !== '' ? parseHost(host, scheme) : undefined;
}

function withoutPort(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end > 0 ? address.slice(1, end) : address;
  }
  const colon = address.indexOf(':');
  return colon >= 0 && colon === address.lastIndexOf(':') ? address.slice(0, colon) : address;
}

/** The original client: Forwarded for, X-Forwarded-For's first address, else the peer. */
function clientAddress(request: IncomingMessage): string | undefined {
  const headers = request.headers;
  const forwarded = first(headers.forwarded);
  if (forwarded !== undefined) {
    const address = forwardedPart(forwarded, 'for');
    if (address !== undefined) return withoutPort(address);
  }
  const forwardedFor = first(headers['x-forwarded-for']);
  if (forwardedFor !== undefined) return withoutPort(forwardedFor.split(',')[0].trim());
  return request.socket.remoteAddress;
}

/** The attributes a server span starts with. */
export function incomingRequestAttributes(request: IncomingMessage, scheme: string, redacted: readonly string[]): Attributes {
  const { headers, socket } = request;
  const method = request.method;
  const normalized = normalizeMethod(method);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalized,
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_NETWORK_PEER_ADDRESS]: socket.remoteAddress,
    [ATTR_NETWORK_PEER_PORT]: socket.remotePort,
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
    [ATTR_USER_AGENT_ORIGINAL]: headers['user-agent'],
  };
  const server = serverAddress(headers, scheme);
  if (server !== undefined) {
    attributes[ATTR_SERVER_ADDRESS] = server.host;
    if (server.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
  }
  const target = request.url ?? '/';
  if (target.startsWith('/') && !target.includes('/.') && !target.includes('#')) {
    const q = target.indexOf('?');
    attributes[ATTR_URL_PATH] = q < 0 ? target : target.slice(0, q);
    if (q >= 0 && q < target.length - 1) attributes[ATTR_URL_QUERY] = redactQuery(target.slice(q + 1), redacted);
  } else {
    // absolute form, dot segments or a fragment: let the URL parser say what the path is
    try {
      const url = new URL(target, `${scheme}://localhost`);
      attributes[ATTR_URL_PATH] = url.pathname;
      if (url.search.length > 1) attributes[ATTR_URL_QUERY] = redactQuery(url.search.slice(1), redacted);
    } catch {
      attributes[ATTR_URL_PATH] = target;
    }
  }
  const client = clientAddress(request);
  if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
  if (method !== normalized && method !== undefined) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  return attributes;
}

/** Where an outgoing request goes, read from the arguments of `http.request`/`http.get` as Node reads them. */
export interface OutgoingTarget {
  method: string;
  host: string;
  port: number;
  path: string;
  /** The options object the caller passed, if any (its headers decide how context is injected). */
  options: RequestOptions | undefined;
  /** `user:password` was given (url.full then shows REDACTED:REDACTED). */
  auth: boolean;
}

/** The target of `http.request(url[, options][, cb])` / `http.request(options[, cb])`; undefined when Node will reject the arguments. */
export function outgoingTarget(args: unknown[], defaultScheme: string): OutgoingTarget | undefined {
  let url: URL | undefined;
  let options: RequestOptions | undefined;
  const head = args[0];
  if (typeof head === 'string') {
    try {
      url = new URL(head);
    } catch {
      return undefined;
    }
  } else if (head instanceof URL) {
    url = head;
  } else if (head !== null && typeof head === 'object') {
    options = head as RequestOptions;
  } else {
    return undefined;
  }
  if (url !== undefined && args[1] !== null && typeof args[1] === 'object') options = args[1] as RequestOptions;
  const protocol = options?.protocol ?? url?.protocol ?? `${defaultScheme}:`;
  const defaultPort = protocol === 'https:' ? 443 : 80;
  let host = options?.hostname ?? options?.host ?? undefined;
  if (host === undefined && url !== undefined) host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = options?.port ?? (url !== undefined && url.port !== '' ? url.port : undefined) ?? options?.defaultPort ?? defaultPort;
  return {
    method: options?.method ?? 'GET',
    host: host ?? 'localhost',
    port: Number(port),
    path: options?.path ?? (url !== undefined ? url.pathname + url.search : '/'),
    options,
    auth: options?.auth != null || (url !== undefined && (url.username !== '' || url.password !== '')),
  };
}

/** The attributes a client span starts with. */
export function outgoingRequestAttributes(target: OutgoingTarget, scheme: string, redacted: readonly string[]): Attributes {
  const normalized = normalizeMethod(target.method);
  const host = target.host.includes(':') && !target.host.startsWith('[') ? `[${target.host}]` : target.host;
  const hostPort = target.port === 80 || target.port === 443 ? host : `${host}:${target.port}`;
  let path = target.path;
  const q = path.indexOf('?');
  if (q >= 0) path = `${path.slice(0, q)}?${redactQuery(path.slice(q + 1), redacted)}`;
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalized,
    [ATTR_SERVER_ADDRESS]: target.host,
    [ATTR_SERVER_PORT]: target.port,
    [ATTR_URL_FULL]: `${scheme}://${target.auth ? `${REDACTED}:${REDACTED}@` : ''}${hostPort}${path}`,
  };
  const userAgent = userAgentOf(target.options?.headers);
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  if (target.method !== normalized) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = target.method;
  return attributes;
}

function userAgentOf(headers: RequestOptions['headers']): string | undefined {
  if (headers === undefined || headers === null || Array.isArray(headers)) return undefined;
  const value = (headers as Record<string, OutgoingHttpHeader | undefined>)['user-agent'] ?? (headers as Record<string, OutgoingHttpHeader | undefined>)['User-Agent'];
  return typeof value === 'string' ? value : undefined;
}

/** Header capture for one direction: the lower-cased names and their attribute keys, computed once. */
export class HeaderCapturer {
  private readonly names: string[];
  private readonly keys: string[];

  constructor(names: readonly string[] | undefined, direction: 'request' | 'response') {
    this.names = (names ?? []).map((name) => name.toLowerCase());
    this.keys = this.names.map((name) => (direction === 'request' ? ATTR_HTTP_REQUEST_HEADER(name) : ATTR_HTTP_RESPONSE_HEADER(name)));
  }

  get empty(): boolean {
    return this.names.length === 0;
  }

  /** Each captured header present, as a string array attribute. */
  capture(get: (name: string) => number | string | string[] | undefined, into: Attributes): void {
    for (let i = 0; i < this.names.length; i++) {
      const value = get(this.names[i]);
      if (value === undefined) continue;
      into[this.keys[i]] = Array.isArray(value) ? value : [String(value)];
    }
  }
}
