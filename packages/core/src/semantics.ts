/**
 * Facts read from OpenTelemetry semantic-convention attributes that both the propagator (at
 * inject time) and the exporter (at export time) need, so that both write the same strings.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { MAX_ENDPOINT_NAME_LENGTH } from './limits';

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function hostPort(host: string, port: string | undefined): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/**
 * The remote address of a client or producer span: `server.address:server.port`, or the older
 * `net.peer.name:net.peer.port`, else the network peer, else the URL's host. '' when unknown.
 * This string is both the exit span's `peer` and sw8 field 8, so the OAP can join the edge.
 */
export function peerAddress(attributes: Attributes): string {
  const host = str(attributes['server.address']) ?? str(attributes['net.peer.name']);
  if (host !== undefined) {
    return hostPort(host, str(attributes['server.port']) ?? str(attributes['net.peer.port']));
  }
  const peerHost = str(attributes['network.peer.address']) ?? str(attributes['net.peer.ip']);
  if (peerHost !== undefined) {
    return hostPort(peerHost, str(attributes['network.peer.port']) ?? str(attributes['net.peer.port']));
  }
  const url = str(attributes['url.full']) ?? str(attributes['http.url']);
  if (url !== undefined) {
    try {
      return new URL(url).host;
    } catch {
      return '';
    }
  }
  return '';
}

interface NamedSpan {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
}

const METHOD_ONLY = /^[A-Z]+$/;

/**
 * The SkyWalking operation name of a span; for an entry span, the endpoint. HTTP server spans are
 * named `METHOD:route` when the route is known (low cardinality), `METHOD:path` otherwise, as the
 * SkyWalking Node agent names them. Cut to the OAP's 150 characters. `knownRoute` is a route known
 * before the span has its http.route attribute (frameworks set that attribute when the response
 * ends, but record the route in OpenTelemetry's RPC metadata as soon as they match it).
 */
export function operationName(span: NamedSpan, knownRoute?: string): string {
  let name = span.name;
  if (span.kind === SpanKind.SERVER) {
    const attrs = span.attributes;
    const method = str(attrs['http.request.method']) ?? str(attrs['http.method']);
    if (method !== undefined) {
      const route = str(attrs['http.route']) ?? str(knownRoute);
      if (route !== undefined) name = `${method}:${route}`;
      else if (METHOD_ONLY.test(name)) {
        const target = str(attrs['url.path']) ?? str(attrs['http.target']);
        if (target !== undefined) name = `${method}:${target.split('?', 1)[0]}`;
      }
    }
  }
  return name.length <= MAX_ENDPOINT_NAME_LENGTH ? name : name.slice(0, MAX_ENDPOINT_NAME_LENGTH);
}
