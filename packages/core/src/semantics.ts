/**
 * Facts read from OpenTelemetry semantic-convention attributes that both the propagator (at
 * inject time) and the exporter (at export time) need, so that both write the same strings.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { MAX_ENDPOINT_NAME_LENGTH } from './limits';
import { attrText, messagingConsumerName, readFact } from './span-mapping';

/** `host:port` (the port left out when undefined), an IPv6 host in brackets. */
export function formatHostPort(host: string, port: string | number | undefined): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

function urlHost(attributes: Attributes): string | undefined {
  const url = readFact(attributes, 'urlFull');
  if (url === undefined) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The remote address of a client or producer span: `server.address:server.port`, or the older
 * `net.peer.name:net.peer.port`, else the network peer, else the URL's host. '' when unknown.
 * A host without a port (older instrumentations set the port only after the span started) takes
 * the URL's host when there is a URL, so that two services on one host stay two peers.
 * This string is both the exit span's `peer` and sw8 field 8, so the OAP can join the edge.
 */
export function peerAddress(attributes: Attributes): string {
  const host = readFact(attributes, 'serverAddress');
  if (host !== undefined) {
    const port = readFact(attributes, 'serverPort');
    if (port === undefined) {
      const fromUrl = urlHost(attributes);
      if (fromUrl !== undefined) return fromUrl;
    }
    return formatHostPort(host, port);
  }
  const peerHost = readFact(attributes, 'peerAddress');
  if (peerHost !== undefined) return formatHostPort(peerHost, readFact(attributes, 'peerPort'));
  return urlHost(attributes) ?? '';
}

/** The path of an absolute URL, without its query or fragment ('/' for none); undefined when it is not one. */
function urlPathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const scheme = url.indexOf('://');
  if (scheme < 0) return undefined;
  const slash = url.indexOf('/', scheme + 3);
  if (slash < 0) return '/';
  const end = url.slice(slash).search(/[?#]/);
  return end < 0 ? url.slice(slash) : url.slice(slash, slash + end);
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
 * ends, but record the route in OpenTelemetry's RPC metadata as soon as they match it). Messaging
 * consumer spans are named from exchange/topic and routing key (messagingConsumerName), never
 * from the queue. HTTP client spans named by their method alone (`GET`, as OpenTelemetry's http and undici
 * instrumentations name them) are named by the path they call, as SkyWalking's agents name HTTP exits.
 */
export function operationName(span: NamedSpan, knownRoute?: string): string {
  let name = span.name;
  if (span.kind === SpanKind.SERVER) {
    const attrs = span.attributes;
    const method = readFact(attrs, 'httpMethod');
    if (method !== undefined) {
      const route = readFact(attrs, 'httpRoute') ?? attrText(knownRoute);
      if (route !== undefined) name = `${method}:${route}`;
      else if (METHOD_ONLY.test(name)) {
        const target = readFact(attrs, 'urlPath');
        if (target !== undefined) name = `${method}:${target.split('?', 1)[0]}`;
      }
    }
  } else if (span.kind === SpanKind.CONSUMER) {
    name = messagingConsumerName(span.attributes) ?? name;
  } else if (span.kind === SpanKind.CLIENT && METHOD_ONLY.test(name)) {
    name = urlPathOf(readFact(span.attributes, 'urlFull')) ?? name;
  }
  return name.length <= MAX_ENDPOINT_NAME_LENGTH ? name : name.slice(0, MAX_ENDPOINT_NAME_LENGTH);
}
