/**
 * The gRPC call that carries logs: LogReportService/collect, one client stream per batch, on a
 * channel built like the trace exporter's (same address, credentials and channel options), so
 * that grpc-js's global subchannel pool gives both the same HTTP/2 connection. A call is only made
 * on a READY channel (grpc-js would otherwise queue it while reconnecting), the wait for READY and
 * the call are bounded by unref'd timers, and after a failure batches are dropped without a call
 * for `backoffMillis`. Kept in one file so that it can give way to a shared transport.
 */
import * as grpc from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AUTHENTICATION_METADATA_KEY, OAP_MAX_MESSAGE_BYTES, ThrottledDiag } from '@otel-skywalking/core';
import { logReportService, type Commands } from '@otel-skywalking/core/protocol';
import type { LogExporterConfig } from './config';
import type { LogDropReason } from './types';
import { VERSION } from './version';

interface LogClient extends grpc.Client {
  collect(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: Commands) => void,
  ): grpc.ClientWritableStream<Buffer>;
}

type LogClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => LogClient;

let clientConstructor: LogClientConstructor | undefined;

function logClientConstructor(): LogClientConstructor {
  if (clientConstructor === undefined) {
    // Records are encoded before they are written, so that their size is known and bounded.
    const collect = { ...logReportService().collect, requestSerialize: (bytes: Buffer): Buffer => bytes };
    clientConstructor = grpc.makeGenericClientConstructor(
      { collect } as unknown as grpc.ServiceDefinition,
      'SkyWalkingLogCollector',
    ) as unknown as LogClientConstructor;
  }
  return clientConstructor;
}

const RETRY_BUFFER_BYTES = 64 * 1024;
/** The trace exporter's defaults (backoffInitialMillis, backoffMaxMillis): equal options share its connection. */
const RECONNECT_BACKOFF_MS = { initial: 1000, max: 30_000 };

/** The trace exporter's channel options, exactly: grpc-js shares a connection only between equal ones. */
export function channelOptions(): grpc.ChannelOptions {
  return {
    'grpc.max_send_message_length': OAP_MAX_MESSAGE_BYTES,
    'grpc.enable_retries': 0,
    'grpc.per_rpc_retry_buffer_size': RETRY_BUFFER_BYTES,
    'grpc.retry_buffer_size': 4 * RETRY_BUFFER_BYTES,
    'grpc.service_config_disable_resolution': 1,
    'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.initial,
    'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.max,
    'grpc.primary_user_agent': `otel-skywalking-exporter/${VERSION}`,
  };
}

export type SendResult = 'sent' | LogDropReason;

export class LogTransport {
  private index = 0;
  private client: LogClient | undefined;
  private readonly credentials: grpc.ChannelCredentials;
  private blockedUntil = 0;
  private closed = false;
  /** Cancels the call or the wait in progress (at most one: the batch processor exports one batch at a time). */
  private readonly pending = new Set<() => void>();
  private readonly diag = new ThrottledDiag();
  /** Our own I/O runs with tracing suppressed: never traced, and its diagnostics are never reported as logs. */
  private readonly quiet = suppressTracing(context.active());

  constructor(private readonly config: LogExporterConfig) {
    const tls = config.tls;
    this.credentials =
      tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
  }

  /** The address in use. */
  get address(): string {
    return this.config.collectors[this.index];
  }

  /** Sends encoded LogData messages in one collect call; `done` is called exactly once. */
  send(messages: Buffer[], done: (result: SendResult) => void): void {
    context.with(this.quiet, () => this.start(messages, done));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.pending]) cancel();
    this.client?.close();
    this.client = undefined;
  }

  private start(messages: Buffer[], done: (result: SendResult) => void): void {
    if (this.closed) return done('shutdown');
    if (Date.now() < this.blockedUntil) return done('collectorUnavailable');
    const client = this.clientNow();
    let settled = false;
    let call: grpc.ClientWritableStream<Buffer> | undefined;
    const timer = setTimeout(() => finish('timeout'), this.config.timeoutMillis);
    timer.unref();
    const cancel = (): void => finish('shutdown');
    this.pending.add(cancel);
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.pending.delete(cancel);
      if (result !== 'sent') {
        call?.cancel();
        if (result !== 'shutdown') this.failed(result);
      }
      done(result);
    };
    this.whenReady(client, (ready) => {
      if (settled) return;
      if (!ready) return finish('collectorUnavailable');
      const metadata = new grpc.Metadata({ waitForReady: false });
      if (this.config.authentication !== undefined) metadata.set(AUTHENTICATION_METADATA_KEY, this.config.authentication);
      try {
        call = client.collect(metadata, {}, (error) => {
          if (error === null) finish('sent');
          else finish(this.closed ? 'shutdown' : 'exportFailed');
          if (error !== null && !this.closed) this.diag.warn('log-export', `logs could not be sent to ${this.address}: ${error.message}`);
        });
        for (const message of messages) call.write(message);
        call.end();
      } catch (err) {
        this.diag.warn('log-export', `logs could not be sent to ${this.address}`, err);
        finish('exportFailed');
      }
    });
  }

  private clientNow(): LogClient {
    if (this.client === undefined) {
      const Client = logClientConstructor();
      this.client = new Client(this.address, this.credentials, channelOptions());
    }
    return this.client;
  }

  /** READY within connectTimeoutMillis, or not: never queues a call inside grpc-js. */
  private whenReady(client: LogClient, callback: (ready: boolean) => void): void {
    let answered = false;
    const answer = (ready: boolean): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      callback(ready);
    };
    const timer = setTimeout(() => answer(false), this.config.connectTimeoutMillis);
    timer.unref();
    const check = (): void => {
      if (answered) return;
      let state: grpc.connectivityState;
      try {
        state = client.getChannel().getConnectivityState(true);
      } catch {
        return answer(false);
      }
      if (state === grpc.connectivityState.READY) return answer(true);
      if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) return answer(false);
      try {
        client.getChannel().watchConnectivityState(state, Infinity, check); // bounded by our unref'd timer, not grpc-js's
      } catch {
        answer(false);
      }
    };
    check();
  }

  private failed(reason: LogDropReason): void {
    this.blockedUntil = Date.now() + this.config.backoffMillis;
    if (reason === 'collectorUnavailable') this.diag.warn('log-connect', `collector ${this.address} is not reachable; logs are dropped and counted`);
    // A stalled or failing channel is replaced, and the next address is tried.
    this.client?.close();
    this.client = undefined;
    if (this.config.collectors.length > 1) this.index = (this.index + 1) % this.config.collectors.length;
  }
}
