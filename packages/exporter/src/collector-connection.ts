/**
 * The gRPC channel(s) to the collector: a @grpc/grpc-js client per address, built from core's
 * method definitions (segments are encoded before they are written), with TLS or plaintext credentials and the `Authentication` metadata. Calls
 * are only made on a READY channel (grpc-js would otherwise queue them while it reconnects: the
 * queue that made SkyWalking's Node agent run out of memory); waiting for READY is bounded and
 * timed by unref'd timers. Failover moves to the next address.
 */
import * as grpc from '@grpc/grpc-js';
import { AUTHENTICATION_METADATA_KEY, OAP_MAX_MESSAGE_BYTES } from '@otel-skywalking/core';
import {
  managementService,
  traceSegmentReportService,
  type Commands,
  type InstancePingPkg,
  type InstanceProperties,
} from '@otel-skywalking/core/protocol';
import type { ExporterConfig } from './config';
import { VERSION } from './version';

/** The client surface we use; methods come from the generic client constructor. */
export interface CollectorClient extends grpc.Client {
  collect(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: Commands) => void,
  ): grpc.ClientWritableStream<Buffer>;
  /** collectInSync, opened like a stream that carries exactly one SegmentCollection message. */
  collectInSync(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: Commands) => void,
  ): grpc.ClientWritableStream<Buffer>;
  reportInstanceProperties(
    request: InstanceProperties,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: Commands) => void,
  ): grpc.ClientUnaryCall;
  keepAlive(
    request: InstancePingPkg,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: Commands) => void,
  ): grpc.ClientUnaryCall;
}

type CollectorClientConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions,
) => CollectorClient;

let clientConstructor: CollectorClientConstructor | undefined;

function collectorClientConstructor(): CollectorClientConstructor {
  if (clientConstructor === undefined) {
    const trace = traceSegmentReportService();
    const management = managementService();
    const definition = {
      // Segments are encoded before they are written, so that their size is known and bounded.
      collect: { ...trace.collect, requestSerialize: (bytes: Buffer): Buffer => bytes },
      // On the wire a unary call is a request with one message; opening it as a client stream
      // gives the same write callbacks (flow control, stall detection) as collect.
      collectInSync: { ...trace.collectInSync, requestStream: true, requestSerialize: (bytes: Buffer): Buffer => bytes },
      reportInstanceProperties: management.reportInstanceProperties,
      keepAlive: management.keepAlive,
    };
    clientConstructor = grpc.makeGenericClientConstructor(
      definition as unknown as grpc.ServiceDefinition,
      'SkyWalkingCollector',
    ) as unknown as CollectorClientConstructor;
  }
  return clientConstructor;
}

const RETRY_BUFFER_BYTES = 64 * 1024;

interface ReadyWaiter {
  client: CollectorClient;
  callback: (client: CollectorClient | undefined) => void;
  timer: NodeJS.Timeout;
}

export class CollectorConnection {
  private index = 0;
  private readonly clients: (CollectorClient | undefined)[];
  private readonly credentials: grpc.ChannelCredentials;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly waiters = new Set<ReadyWaiter>();
  private readonly watching = new WeakSet<CollectorClient>();
  private closed = false;

  constructor(private readonly config: ExporterConfig) {
    this.clients = config.collectors.map(() => undefined);
    const tls = config.tls;
    this.credentials =
      tls === undefined
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
    this.channelOptions = {
      'grpc.max_send_message_length': OAP_MAX_MESSAGE_BYTES,
      'grpc.enable_retries': 0,
      // grpc-js keeps up to 1 MiB per call for transparent retries and reports those writes as
      // done at once; kept small, write callbacks follow HTTP/2 flow control, so a collector that
      // stops reading is seen (and our own per-stream byte bound applies).
      'grpc.per_rpc_retry_buffer_size': RETRY_BUFFER_BYTES,
      'grpc.retry_buffer_size': 4 * RETRY_BUFFER_BYTES,
      'grpc.service_config_disable_resolution': 1,
      'grpc.initial_reconnect_backoff_ms': Math.min(1000, config.backoffInitialMillis),
      'grpc.max_reconnect_backoff_ms': config.backoffMaxMillis,
      'grpc.primary_user_agent': `otel-skywalking-exporter/${VERSION}`,
    };
  }

  /** The address in use. */
  get address(): string {
    return this.config.collectors[this.index];
  }

  get addressCount(): number {
    return this.config.collectors.length;
  }

  /** Metadata for one call: the token, and no waiting for a connection inside grpc-js. */
  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata({ waitForReady: false });
    if (this.config.authentication !== undefined) metadata.set(AUTHENTICATION_METADATA_KEY, this.config.authentication);
    return metadata;
  }

  /**
   * Calls back with a client whose channel is READY, or with undefined when it is failing or did
   * not connect within `timeoutMs`. Never queues a call.
   */
  whenReady(timeoutMs: number, callback: (client: CollectorClient | undefined) => void): void {
    if (this.closed) {
      callback(undefined);
      return;
    }
    const client = this.client();
    const state = this.stateOf(client, true);
    if (state === grpc.connectivityState.READY) {
      callback(client);
      return;
    }
    if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
      if (state === grpc.connectivityState.SHUTDOWN) this.reset();
      callback(undefined);
      return;
    }
    const waiter: ReadyWaiter = {
      client,
      callback,
      timer: setTimeout(() => this.settle(waiter, undefined), Math.max(1, timeoutMs)),
    };
    waiter.timer.unref();
    this.waiters.add(waiter);
    this.watch(client, state);
  }

  /** Moves to the next address for the next export. */
  failover(): void {
    if (this.config.collectors.length > 1) this.index = (this.index + 1) % this.config.collectors.length;
  }

  /** Drops the current channel (after a stall or a timeout) so that the next call gets a fresh connection. */
  reset(): void {
    const client = this.clients[this.index];
    this.clients[this.index] = undefined;
    if (client !== undefined) this.closeClient(client);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < this.clients.length; i++) {
      const client = this.clients[i];
      this.clients[i] = undefined;
      if (client !== undefined) this.closeClient(client);
    }
    for (const waiter of [...this.waiters]) this.settle(waiter, undefined);
  }

  private client(): CollectorClient {
    let client = this.clients[this.index];
    if (client === undefined) {
      const Client = collectorClientConstructor();
      client = new Client(this.address, this.credentials, this.channelOptions);
      this.clients[this.index] = client;
    }
    return client;
  }

  private stateOf(client: CollectorClient, connect: boolean): grpc.connectivityState {
    try {
      return client.getChannel().getConnectivityState(connect);
    } catch {
      return grpc.connectivityState.SHUTDOWN;
    }
  }

  /** One state watcher per channel; it re-arms itself while someone waits on that channel. */
  private watch(client: CollectorClient, state: grpc.connectivityState): void {
    if (this.watching.has(client)) return;
    this.watching.add(client);
    try {
      client.getChannel().watchConnectivityState(state, Infinity, () => {
        this.watching.delete(client);
        this.onStateChange(client);
      });
    } catch {
      this.watching.delete(client);
      this.settleAll(client, undefined);
    }
  }

  private onStateChange(client: CollectorClient): void {
    const state = this.stateOf(client, false);
    if (state === grpc.connectivityState.READY) {
      this.settleAll(client, client);
    } else if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
      this.settleAll(client, undefined);
    } else {
      for (const waiter of this.waiters) {
        if (waiter.client === client) {
          this.watch(client, state);
          return;
        }
      }
    }
  }

  private settleAll(client: CollectorClient, result: CollectorClient | undefined): void {
    for (const waiter of [...this.waiters]) if (waiter.client === client) this.settle(waiter, result);
  }

  private settle(waiter: ReadyWaiter, result: CollectorClient | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.callback(result);
  }

  private closeClient(client: CollectorClient): void {
    try {
      client.close();
    } catch {
      // already closed
    }
  }
}
