/**
 * ManagementService: reportInstanceProperties (language, OS, hostname, process id, each IPv4
 * address, layer) when an instance is first seen and every `propertiesReportFactor` beats, and
 * keepAlive on the other beats, like the Java agent. One unref'd interval; calls only go out on a
 * READY channel, under suppressTracing, with a deadline; failures are logged throttled.
 */
import { hostname, networkInterfaces, platform } from 'node:os';
import type { ClientUnaryCall } from '@grpc/grpc-js';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ServiceIdentity, ThrottledDiag } from '@otel-skywalking/core';
import type { KeyStringValuePair } from '@otel-skywalking/core/protocol';
import type { ExporterConfig } from './config';
import type { CollectorClient, CollectorConnection } from './collector-connection';

/** Instances reported per process at most (one per resource; normally one). */
const MAX_INSTANCES = 16;

interface ReportedInstance {
  identity: ServiceIdentity;
  propertiesReported: boolean;
}

/** Properties the OAP stores for an instance (`ipv4` repeated per address). */
function instanceProperties(): KeyStringValuePair[] {
  const properties: KeyStringValuePair[] = [
    { key: 'language', value: 'nodejs' },
    { key: 'OS Name', value: platform() },
    { key: 'hostname', value: hostname() },
    { key: 'Process No.', value: String(process.pid) },
  ];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) properties.push({ key: 'ipv4', value: address.address });
    }
  }
  return properties;
}

export class InstanceHeartbeat {
  private readonly instances = new Map<string, ReportedInstance>();
  private timer: NodeJS.Timeout | undefined;
  private beats = 0;
  private reporting = false;
  private stopped = false;
  /** Calls not answered yet: a beat is skipped while one is open, and stop() cancels them. */
  private readonly open = new Set<ClientUnaryCall>();

  constructor(
    private readonly config: ExporterConfig,
    private readonly connection: CollectorConnection,
    private readonly log: ThrottledDiag,
  ) {}

  /** Starts reporting an instance (first report as soon as the channel is ready). */
  observe(identity: ServiceIdentity): void {
    if (this.stopped || this.config.heartbeatIntervalMillis === 0) return;
    const key = `${identity.service}\n${identity.instance}`;
    if (this.instances.has(key) || this.instances.size >= MAX_INSTANCES) return;
    this.instances.set(key, { identity, propertiesReported: false });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.beat(true), this.config.heartbeatIntervalMillis);
      this.timer.unref();
    }
    this.beat(false);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const call of this.open) call.cancel();
    this.open.clear();
  }

  private beat(scheduled: boolean): void {
    // An OAP that did not answer the last beat gets no new one (calls never pile up).
    if (this.stopped || this.reporting || this.open.size > 0) return;
    if (scheduled) this.beats++;
    this.reporting = true;
    context.with(suppressTracing(ROOT_CONTEXT), () => {
      this.connection.whenReady(this.config.connectTimeoutMillis, (client) => {
        this.reporting = false;
        if (client === undefined || this.stopped) return;
        context.with(suppressTracing(ROOT_CONTEXT), () => this.report(client, scheduled));
      });
    });
  }

  private report(client: CollectorClient, scheduled: boolean): void {
    const propertiesDue = scheduled && this.beats % this.config.propertiesReportFactor === 0;
    // A beat ends well before the next one: grpc-js keeps a ref'd deadline timer per call, and an
    // unanswered beat must not hand the process over to the next one.
    const deadline = Date.now() + Math.min(this.config.timeoutMillis, Math.ceil(this.config.heartbeatIntervalMillis / 2));
    for (const instance of this.instances.values()) {
      const { service, instance: serviceInstance } = instance.identity;
      try {
        let call: ClientUnaryCall | undefined;
        if (!instance.propertiesReported || propertiesDue) {
          instance.propertiesReported = true;
          call = client.reportInstanceProperties(
            { service, serviceInstance, properties: instanceProperties(), layer: this.config.layer },
            this.connection.metadata(),
            { deadline },
            (error) => {
              this.open.delete(call!);
              if (error !== null) {
                instance.propertiesReported = false;
                this.log.warn('properties', `reportInstanceProperties failed: ${error.message}`);
              }
            },
          );
        } else if (scheduled) {
          call = client.keepAlive({ service, serviceInstance, layer: this.config.layer }, this.connection.metadata(), { deadline }, (error) => {
            this.open.delete(call!);
            if (error !== null) this.log.warn('keepAlive', `keepAlive failed: ${error.message}`);
          });
        }
        if (call !== undefined) this.open.add(call);
      } catch (err) {
        this.log.warn('heartbeat', `heartbeat call failed: ${(err as Error).message}`);
      }
    }
  }
}
