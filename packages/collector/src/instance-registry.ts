/**
 * Service instances reported through the ManagementService, keyed by service + instance, bounded
 * (the least recently reported is evicted first).
 */
import type { InstancePingPkg, InstanceProperties } from '@otel-skywalking/core/protocol';
import type { InstanceInfo } from './types';

export class InstanceRegistry {
  private readonly instances = new Map<string, InstanceInfo>();
  evicted = 0;

  constructor(private readonly maxInstances: number) {}

  private touch(service: string, serviceInstance: string, layer: string): InstanceInfo {
    const key = `${service}\u0000${serviceInstance}`;
    let info = this.instances.get(key);
    if (info === undefined) {
      info = { service, serviceInstance, layer, properties: {}, keepAlives: 0 };
    } else {
      this.instances.delete(key); // re-insert: Map order is least recently reported first
    }
    this.instances.set(key, info);
    if (layer !== '') info.layer = layer;
    while (this.instances.size > this.maxInstances) {
      this.instances.delete(this.instances.keys().next().value as string);
      this.evicted++;
    }
    return info;
  }

  /** OAP ManagementServiceHandler: repeated keys (ipv4) are joined with ','. */
  reportProperties(report: InstanceProperties): void {
    const info = this.touch(report.service, report.serviceInstance, report.layer);
    const properties: Record<string, string> = {};
    for (const { key, value } of report.properties) {
      // defineProperty: keys come from the network, and '__proto__' must stay a plain key.
      const joined = Object.hasOwn(properties, key) ? `${properties[key]},${value}` : value;
      Object.defineProperty(properties, key, { value: joined, enumerable: true, writable: true, configurable: true });
    }
    info.properties = properties;
    info.propertiesReportedAt = Date.now();
  }

  keepAlive(ping: InstancePingPkg): void {
    const info = this.touch(ping.service, ping.serviceInstance, ping.layer);
    info.lastKeepAlive = Date.now();
    info.keepAlives++;
  }

  has(service: string, serviceInstance: string): boolean {
    return this.instances.has(`${service}\u0000${serviceInstance}`);
  }

  list(): InstanceInfo[] {
    return [...this.instances.values()].map((info) => ({
      ...info,
      properties: { ...info.properties },
    }));
  }

  clear(): void {
    this.instances.clear();
  }
}
