/**
 * The gRPC channel(s) to the collector: a @grpc/grpc-js client per address, built from core's
 * method definitions (segments are encoded before they are written), with TLS or plaintext
 * credentials and the `Authentication` metadata. Calls are only made on a READY channel (grpc-js
 * would otherwise queue them while it reconnects: the queue that made SkyWalking's Node agent run
 * out of memory); waiting for READY is bounded and timed by unref'd timers. Failover moves to the
 * next address.
 *
 * Internal, and shared on purpose: the meter and log reporters of this repository send their
 * services over the same channel (same address list, token, TLS): `whenReady()` gives a READY
 * grpc.Client, on which any SkyWalking service is called by path (`makeClientStreamRequest`,
 * `makeUnaryRequest`) with `metadata()`; see docs/architecture.md.
 *
 * Connecting sockets are guarded (HandshakeGuard): unref'd until grpc-js holds a session on them,
 * ended when the handshake does not complete within the connect timeout, destroyed on close():
 * grpc-js keeps a socket whose TLS handshake never completes open (and the process alive) even
 * after client.close().
 */
import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { diag } from '@opentelemetry/api';
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
const EMPTY = Buffer.alloc(0);

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

type SecureConnector = ReturnType<grpc.ChannelCredentials['_createSecureConnector']>;
type ConnectorArguments = Parameters<grpc.ChannelCredentials['_createSecureConnector']>;
type SecureConnectResult = Awaited<ReturnType<SecureConnector['connect']>>;

/**
 * Sockets between TCP connect and the end of the (TLS) handshake. They do not keep the process
 * alive (grpc-js refs its HTTP/2 session while a call is active), a handshake that does not end
 * within `timeoutMs` fails with that cause, and close() destroys what is left.
 */
class HandshakeGuard {
  private readonly connecting = new Map<Socket, (error: Error) => void>();
  private closed = false;

  constructor(private readonly timeoutMs: number) {}

  connect(socket: Socket, connector: SecureConnector, secure: boolean): Promise<SecureConnectResult> {
    socket.unref();
    if (!secure) return connector.connect(socket);
    return new Promise<SecureConnectResult>((resolve, reject) => {
      const fail = (error: Error): void => {
        if (!this.connecting.delete(socket)) return;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      if (this.closed) {
        fail(new Error('the exporter is shut down'));
        return;
      }
      const timer = setTimeout(
        () => fail(new Error(`the TLS handshake did not complete within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
      this.connecting.set(socket, fail);
      connector.connect(socket).then(
        (result) => {
          if (!this.connecting.delete(socket)) {
            result.socket.destroy();
            return;
          }
          clearTimeout(timer);
          result.socket.unref();
          resolve(result);
        },
        (error: Error) => fail(error),
      );
    });
  }

  close(): void {
    this.closed = true;
    for (const fail of [...this.connecting.values()]) fail(new Error('the exporter is shut down'));
  }
}

/** The user's credentials, with every connection attempt going through a HandshakeGuard. */
class GuardedCredentials extends grpc.ChannelCredentials {
  constructor(
    private readonly inner: grpc.ChannelCredentials,
    private readonly guard: HandshakeGuard,
  ) {
    super();
  }

  _isSecure(): boolean {
    return this.inner._isSecure();
  }

  _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(...args: ConnectorArguments): SecureConnector {
    const connector = this.inner._createSecureConnector(...args);
    const guard = this.guard;
    const secure = this.inner._isSecure();
    return {
      connect: (socket) => guard.connect(socket, connector, secure),
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }
}

/** grpc-js's "No connection established. Last error: X. Resolution note: Y" → X, OpenSSL's codes cut. */
function lastConnectError(details: string | undefined): string | undefined {
  if (details === undefined) return undefined;
  const match = /Last error: (.*?)(?:\. Resolution note:.*)?$/s.exec(details);
  let cause = (match?.[1] ?? details).replace(/ \(\d{4}-\d\d-\d\dT[^)]*\)$/, '').replace(/^Error: /, '').trim();
  // "804…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…" → the reason
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(cause);
  if (openssl !== null) cause = `TLS: ${openssl[1]}`;
  return cause === '' || cause === 'null' ? undefined : cause;
}

/** What to change for a cause the user can fix (TLS settings, mostly). */
function hintFor(cause: string, secure: boolean): string {
  if (/wrong version number|packet length too long|unknown protocol/.test(cause)) {
    return ' (the OAP does not speak TLS here: turn TLS off, SW_AGENT_FORCE_TLS / option `tls`)';
  }
  if (/certificate required|handshake failure|alert bad certificate/.test(cause)) {
    return ' (the OAP requires a client certificate: SW_AGENT_SSL_CERT_CHAIN_PATH and SW_AGENT_SSL_KEY_PATH, or tls.cert and tls.key)';
  }
  if (/Hostname\/IP does not match|altnames/i.test(cause)) {
    return ' (the OAP\'s certificate does not name the address used: use a name it lists, in SW_AGENT_COLLECTOR_BACKEND_SERVICES)';
  }
  if (/certificate has expired|not yet valid/i.test(cause)) return ' (the OAP\'s certificate is out of its validity period)';
  if (/self[- ]signed|unable to verify|local issuer/i.test(cause)) {
    return ' (the OAP\'s certificate is not trusted: its CA goes in SW_AGENT_SSL_TRUSTED_CA_PATH or tls.ca)';
  }
  if (!secure && /Failed to connect|Connection closed|ECONNRESET|socket hang up/.test(cause)) {
    return ' (closed before HTTP/2 started: if the OAP expects TLS, set SW_AGENT_FORCE_TLS=true or option `tls`)';
  }
  return '';
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/**
 * The channel credentials for the resolved TLS settings. A CA or certificate that is not PEM is
 * reported under both names the user may have used, and never thrown into the app: the
 * connection then fails with a certificate error that says so again.
 */
function channelCredentials(tls: ExporterConfig['tls']): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  const notPem = (what: string, names: string): void =>
    diag.error(`otel-skywalking: ${names} does not hold a PEM ${what}; connections to the OAP will fail`);
  if (tls.ca !== undefined && !tls.ca.toString('latin1').includes(PEM_CERTIFICATE)) notPem('CA certificate', 'tls.ca / SW_AGENT_SSL_TRUSTED_CA_PATH');
  if (tls.cert !== undefined && !tls.cert.toString('latin1').includes(PEM_CERTIFICATE)) notPem('certificate', 'tls.cert / SW_AGENT_SSL_CERT_CHAIN_PATH');
  if (tls.key !== undefined && !PEM_PRIVATE_KEY.test(tls.key.toString('latin1'))) notPem('private key', 'tls.key / SW_AGENT_SSL_KEY_PATH');
  try {
    return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
  } catch (err) {
    diag.error(`otel-skywalking: the TLS settings cannot be used (${(err as Error).message}); connecting without the client certificate`);
    try {
      return grpc.credentials.createSsl(tls.ca ?? null);
    } catch {
      return grpc.credentials.createSsl();
    }
  }
}

/** Why no READY channel was given: the cause grpc-js saw, or the connect timeout. */
export type ReadyCallback = (client: CollectorClient | undefined, failure?: Error) => void;

interface ReadyWaiter {
  client: CollectorClient;
  callback: ReadyCallback;
  timer: NodeJS.Timeout;
}

export class CollectorConnection {
  private index = 0;
  private readonly clients: (CollectorClient | undefined)[];
  private readonly credentials: grpc.ChannelCredentials;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly waiters = new Set<ReadyWaiter>();
  private readonly watching = new WeakSet<CollectorClient>();
  private readonly guard: HandshakeGuard;
  /** The channel followed until READY for onReconnected(), and who wants to know. */
  private followed: CollectorClient | undefined;
  private reconnected: (() => void) | undefined;
  /** The followed channel failed to connect since onReconnected(): its next READY is a reconnection. */
  private disconnected = false;
  private closed = false;

  constructor(private readonly config: ExporterConfig) {
    this.clients = config.collectors.map(() => undefined);
    this.guard = new HandshakeGuard(config.connectTimeoutMillis);
    this.credentials = new GuardedCredentials(channelCredentials(config.tls), this.guard);
    this.channelOptions = {
      'grpc.max_send_message_length': OAP_MAX_MESSAGE_BYTES,
      'grpc.enable_retries': 0,
      // grpc-js keeps up to 1 MiB per call for transparent retries and reports those writes as
      // done at once; kept small, write callbacks follow HTTP/2 flow control, so an OAP that
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
  whenReady(timeoutMs: number, callback: ReadyCallback): void {
    if (this.closed) {
      callback(undefined, new Error('the exporter is shut down'));
      return;
    }
    const client = this.client();
    const state = this.stateOf(client, true);
    if (state === grpc.connectivityState.READY) {
      callback(client);
      return;
    }
    if (state === grpc.connectivityState.TRANSIENT_FAILURE) {
      this.failureCause(client, callback);
      return;
    }
    if (state === grpc.connectivityState.SHUTDOWN) {
      this.reset();
      callback(undefined, new Error('the channel was shut down'));
      return;
    }
    const waiter: ReadyWaiter = {
      client,
      callback,
      timer: setTimeout(
        () => this.settle(waiter, undefined, new Error(`not connected within ${Math.max(1, timeoutMs)} ms`)),
        Math.max(1, timeoutMs),
      ),
    };
    waiter.timer.unref();
    this.waiters.add(waiter);
    this.watch(client, state);
  }

  /**
   * Calls `listener` once, when the channel of the current address turns READY after failing to
   * connect (TRANSIENT_FAILURE); meanwhile the channel keeps connecting (grpc-js's reconnect
   * backoff, bounded by backoffMaxMillis). The circuit breaker uses it: an OAP that is back is
   * probed at once, not when a timer says so. A channel that stayed connected (the OAP
   * answers errors, or stalls) does not call it: then the circuit's own backoff applies.
   */
  onReconnected(listener: () => void): void {
    if (this.reconnected === undefined) this.disconnected = false;
    this.reconnected = listener;
    this.follow();
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
    this.guard.close();
    this.reconnected = undefined;
    for (const waiter of [...this.waiters]) this.settle(waiter, undefined, new Error('the exporter is shut down'));
  }

  private follow(): void {
    if (this.closed || this.reconnected === undefined) return;
    const client = this.client();
    if (this.followed === client) return;
    const state = this.stateOf(client, true);
    if (state === grpc.connectivityState.TRANSIENT_FAILURE) this.disconnected = true;
    if (state === grpc.connectivityState.READY && this.disconnected) {
      const listener = this.reconnected;
      this.reconnected = undefined;
      listener();
      return;
    }
    if (state === grpc.connectivityState.SHUTDOWN) return;
    this.followed = client;
    try {
      client.getChannel().watchConnectivityState(state, Infinity, () => {
        if (this.followed === client) this.followed = undefined;
        this.follow();
      });
    } catch {
      this.followed = undefined;
    }
  }

  /**
   * Why a channel in TRANSIENT_FAILURE failed, as grpc-js saw it (refused, a certificate error, a
   * TLS alert, a closed connection): a call on a failed channel that does not wait for READY ends
   * at once with it, and it never leaves the process.
   */
  private failureCause(client: CollectorClient, callback: ReadyCallback): void {
    const address = this.address;
    try {
      client.makeUnaryRequest(
        '/skywalking.v3.ManagementService/keepAlive',
        () => EMPTY,
        (bytes: Buffer) => bytes,
        undefined,
        this.metadata(),
        { deadline: Date.now() + 1000 },
        (error) => {
          const cause = lastConnectError(error?.details);
          const why = cause === undefined ? '' : `: ${cause}${hintFor(cause, this.config.tls !== undefined)}`;
          callback(undefined, new Error(`no connection to the OAP at ${address}${why}`));
        },
      );
    } catch (err) {
      callback(undefined, err as Error);
    }
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
      this.settleAll(client, undefined, new Error('the channel was shut down'));
    }
  }

  private onStateChange(client: CollectorClient): void {
    const state = this.stateOf(client, false);
    if (state === grpc.connectivityState.READY) {
      this.settleAll(client, client);
    } else if (state === grpc.connectivityState.TRANSIENT_FAILURE) {
      const waiting = [...this.waiters].filter((waiter) => waiter.client === client);
      for (const waiter of waiting) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
      }
      if (waiting.length > 0) this.failureCause(client, (none, failure) => {
        for (const waiter of waiting) waiter.callback(none, failure);
      });
    } else if (state === grpc.connectivityState.SHUTDOWN) {
      this.settleAll(client, undefined, new Error('the channel was shut down'));
    } else {
      for (const waiter of this.waiters) {
        if (waiter.client === client) {
          this.watch(client, state);
          return;
        }
      }
    }
  }

  private settleAll(client: CollectorClient, result: CollectorClient | undefined, failure?: Error): void {
    for (const waiter of [...this.waiters]) if (waiter.client === client) this.settle(waiter, result, failure);
  }

  private settle(waiter: ReadyWaiter, result: CollectorClient | undefined, failure?: Error): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.callback(result, failure);
  }

  private closeClient(client: CollectorClient): void {
    try {
      client.close();
    } catch {
      // already closed
    }
  }
}
