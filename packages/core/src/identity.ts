/**
 * Service and instance names, the same for the propagator (sw8 fields 5 and 6) and the exporter
 * (SegmentObject.service / serviceInstance).
 */
import { hostname } from 'node:os';
import type { Attributes } from '@opentelemetry/api';
import { randomHexId } from './ids';
import { MAX_INSTANCE_NAME_LENGTH, MAX_SERVICE_NAME_LENGTH } from './limits';
import { countTruncation } from './stats';
import { nonEmpty } from './settings';

export interface ServiceIdentity {
  service: string;
  instance: string;
}

let processInstance: string | undefined;

/** `<uuid>@<hostname>`, generated once per process, like the Java agent's default. */
function processInstanceName(): string {
  processInstance ??= `${randomHexId()}@${hostname()}`;
  return processInstance;
}

const DEFAULT_SERVICE_NAME = 'unknown_service:node';

/** Cuts a name to the OAP's limit, counting the truncation. */
function truncateName(value: string, max: number): string {
  if (value.length <= max) return value;
  countTruncation();
  return value.slice(0, max);
}

let override: Partial<ServiceIdentity> = {};

/**
 * Names given in code (e.g. `start({ serviceName })`), which win over every variable and resource
 * attribute. Process-wide, like the setup that calls it; set before the first span.
 */
export function setIdentityOverride(names: Partial<ServiceIdentity>): void {
  override = { ...names };
}

/**
 * Resolves the identity: names set in code first, then SW_AGENT_NAME / SW_AGENT_INSTANCE (the
 * names SkyWalking users know), then the resource's service.name / service.instance.id, then
 * OTEL_SERVICE_NAME.
 */
export function resolveIdentity(resource?: Attributes, env: NodeJS.ProcessEnv = process.env): ServiceIdentity {
  const service =
    nonEmpty(override.service) ??
    nonEmpty(env.SW_AGENT_NAME) ??
    nonEmpty(resource?.['service.name']) ??
    nonEmpty(env.OTEL_SERVICE_NAME) ??
    DEFAULT_SERVICE_NAME;
  const instance =
    nonEmpty(override.instance) ??
    nonEmpty(env.SW_AGENT_INSTANCE) ?? nonEmpty(resource?.['service.instance.id']) ?? processInstanceName();
  return {
    service: truncateName(service, MAX_SERVICE_NAME_LENGTH),
    instance: truncateName(instance, MAX_INSTANCE_NAME_LENGTH),
  };
}

interface HasAttributes {
  attributes: Attributes;
  /** OpenTelemetry resources: true while detectors are still settling (host.id, cloud metadata...). */
  asyncAttributesPending?: boolean;
  getRawAttributes?: () => Array<[string, unknown]>;
}

/**
 * The resource's attributes without touching the ones still being detected: reading
 * `attributes` before async detectors settle makes OpenTelemetry log an error, and the names we
 * need (service.name, service.instance.id) are synchronous anyway.
 */
function settledAttributes(resource: HasAttributes): Attributes {
  if (resource.asyncAttributesPending !== true || resource.getRawAttributes === undefined) return resource.attributes;
  const out: Attributes = {};
  // As OpenTelemetry resolves them: the first settled value of a key wins (merge puts the overriding resource first).
  for (const [key, value] of resource.getRawAttributes()) {
    if (out[key] === undefined && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) out[key] = value;
  }
  return out;
}

const byResource = new WeakMap<object, ServiceIdentity>();
/** The identity of the first resource seen (a provider's); it names every span without one. */
let resourceIdentity: ServiceIdentity | undefined;
/** Resolved from the environment while no resource has been seen; never kept over a resource. */
let environmentIdentity: ServiceIdentity | undefined;

/** Identity for a span's resource, memoized per resource object (every span shares one). */
export function identityOf(resource: HasAttributes | undefined): ServiceIdentity {
  if (resource === undefined) return localIdentity();
  let identity = byResource.get(resource);
  if (identity === undefined) {
    identity = resolveIdentity(settledAttributes(resource));
    byResource.set(resource, identity);
    resourceIdentity ??= identity;
  }
  return identity;
}

/**
 * Makes `resource` (a tracer provider's) the local identity before any span of it is recorded:
 * spans that are sampled out have no resource, and their sw8 must still name this service and
 * instance from the first one on. SkyWalkingSpanProcessor and the one-line setup call it with
 * their provider's resource; the first call wins, like the first resource seen.
 */
export function observeResource(resource: HasAttributes | undefined): ServiceIdentity {
  return identityOf(resource);
}

/**
 * The identity of the first resource seen, or, until one is, one resolved from the environment
 * (SW_AGENT_NAME, OTEL_SERVICE_NAME...). The instance name resolved from the environment is the
 * process's, so it stays the same when a resource with the same names arrives.
 */
export function localIdentity(): ServiceIdentity {
  if (resourceIdentity !== undefined) return resourceIdentity;
  environmentIdentity ??= resolveIdentity();
  return environmentIdentity;
}
