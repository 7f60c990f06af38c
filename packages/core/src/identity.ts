/**
 * Service and instance names, the same for the propagator (sw8 fields 5 and 6) and the exporter
 * (SegmentObject.service / serviceInstance).
 */
import { hostname } from 'node:os';
import type { Attributes } from '@opentelemetry/api';
import { randomHexId } from './ids';
import { MAX_INSTANCE_NAME_LENGTH, MAX_SERVICE_NAME_LENGTH } from './limits';
import { coreStats } from './stats';

export interface ServiceIdentity {
  service: string;
  instance: string;
}

let processInstance: string | undefined;

/** `<uuid>@<hostname>`, generated once per process, like the Java agent's default. */
export function processInstanceName(): string {
  processInstance ??= `${randomHexId()}@${hostname()}`;
  return processInstance;
}

export const DEFAULT_SERVICE_NAME = 'unknown_service:node';

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Cuts a name to the OAP's limit, counting the truncation. */
export function truncateName(value: string, max: number): string {
  if (value.length <= max) return value;
  coreStats.truncations++;
  return value.slice(0, max);
}

/**
 * Resolves the identity: SW_AGENT_NAME / SW_AGENT_INSTANCE first (the names SkyWalking users
 * know), then the resource's service.name / service.instance.id, then OTEL_SERVICE_NAME.
 */
export function resolveIdentity(resource?: Attributes, env: NodeJS.ProcessEnv = process.env): ServiceIdentity {
  const service =
    nonEmpty(env.SW_AGENT_NAME) ??
    nonEmpty(resource?.['service.name']) ??
    nonEmpty(env.OTEL_SERVICE_NAME) ??
    DEFAULT_SERVICE_NAME;
  const instance =
    nonEmpty(env.SW_AGENT_INSTANCE) ?? nonEmpty(resource?.['service.instance.id']) ?? processInstanceName();
  return {
    service: truncateName(service, MAX_SERVICE_NAME_LENGTH),
    instance: truncateName(instance, MAX_INSTANCE_NAME_LENGTH),
  };
}

interface HasAttributes {
  attributes: Attributes;
}

const byResource = new WeakMap<object, ServiceIdentity>();
let defaultIdentity: ServiceIdentity | undefined;

/** Identity for a span's resource, memoized per resource object (every span shares one). */
export function identityOf(resource: HasAttributes | undefined): ServiceIdentity {
  if (resource === undefined) return localIdentity();
  let identity = byResource.get(resource);
  if (identity === undefined) {
    identity = resolveIdentity(resource.attributes);
    byResource.set(resource, identity);
    defaultIdentity ??= identity;
  }
  return identity;
}

/** The identity of the first tracked resource, or one resolved from the environment. */
export function localIdentity(): ServiceIdentity {
  defaultIdentity ??= resolveIdentity();
  return defaultIdentity;
}

/** Sets the identity used where no span resource is at hand (non-recording spans). */
export function setLocalIdentity(identity: ServiceIdentity): void {
  defaultIdentity = identity;
}
