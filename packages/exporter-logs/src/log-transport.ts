/**
 * The call that carries logs: LogReportService/collect, one client stream per batch, on the trace
 * exporter's connection (@otel-skywalking/exporter/transport): one connection per process and
 * OAP configuration, TLS included. A call is only made on a READY channel (grpc-js would
 * otherwise queue it while reconnecting), the wait for READY and the call are bounded by unref'd
 * timers, and after a failure batches are dropped without a call for `backoffMillis`.
 */
import type * as grpc from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ThrottledDiag } from '@otel-skywalking/core';
import { logReportService, type Commands } from '@otel-skywalking/core/protocol';
import { shareCollectorConnection, type CollectorConnectionShare } from '@otel-skywalking/exporter/transport';
import type { LogExporterConfig } from './config';
import type { LogDropReason } from './types';

let collectMethod: { path: string; responseDeserialize: (bytes: Buffer) => Commands } | undefined;

/** Records are encoded before they are written, so that their size is known and bounded. */
const asIs = (bytes: Buffer): Buffer => bytes;

export type SendResult = 'sent' | LogDropReason;

export class LogTransport {
  private readonly share: CollectorConnectionShare;
  private blockedUntil = 0;
  private closed = false;
  /** Cancels the call or the wait in progress (at most one: the batch processor exports one batch at a time). */
  private readonly pending = new Set<() => void>();
  private readonly diag = new ThrottledDiag();
  /** Our own I/O runs with tracing suppressed: never traced, and its diagnostics are never reported as logs. */
  private readonly quiet = suppressTracing(context.active());

  constructor(private readonly config: LogExporterConfig) {
    this.share = shareCollectorConnection(config.connection);
  }

  /** The address in use. */
  get address(): string {
    return this.share.connection.address;
  }

  /** Sends encoded LogData messages in one collect call; `done` is called exactly once. */
  send(messages: Buffer[], done: (result: SendResult) => void): void {
    context.with(this.quiet, () => this.start(messages, done));
  }

  /** Cancels this exporter's call or wait, and gives up its share of the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.pending]) cancel();
    this.share.release();
  }

  private start(messages: Buffer[], done: (result: SendResult) => void): void {
    if (this.closed) return done('shutdown');
    if (Date.now() < this.blockedUntil) return done('collectorUnavailable');
    const { connection } = this.share;
    const address = connection.address;
    let settled = false;
    let call: grpc.ClientWritableStream<Buffer> | undefined;
    const timer = setTimeout(() => finish('timeout'), this.config.connection.timeoutMillis);
    timer.unref();
    const cancel = (): void => finish('shutdown');
    this.pending.add(cancel);
    const finish = (result: SendResult, cause?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.pending.delete(cancel);
      if (result !== 'sent') {
        call?.cancel();
        if (result !== 'shutdown') this.failed(result, address, cause);
      }
      done(result);
    };
    connection.whenReady(this.config.connection.connectTimeoutMillis, (client, failure) => {
      if (settled) return;
      if (client === undefined) return finish('collectorUnavailable', failure);
      collectMethod ??= logReportService().collect;
      try {
        call = client.makeClientStreamRequest(
          collectMethod.path,
          asIs,
          collectMethod.responseDeserialize,
          connection.metadata(),
          {},
          (error) => {
            if (error === null) finish('sent');
            else finish(this.closed ? 'shutdown' : 'exportFailed', error);
          },
        );
        for (const message of messages) call.write(message);
        call.end();
      } catch (err) {
        finish('exportFailed', err as Error);
      }
    });
  }

  private failed(reason: LogDropReason, address: string, cause: Error | undefined): void {
    this.blockedUntil = Date.now() + this.config.backoffMillis;
    if (reason === 'collectorUnavailable') {
      this.diag.warn('log-connect', `${cause?.message ?? `the OAP at ${address} is not reachable`}; logs are dropped and counted`);
    } else if (reason === 'exportFailed') {
      this.diag.warn('log-export', `logs could not be sent to ${address}`, cause);
    }
    const { connection } = this.share;
    // Another signal on the shared connection may have moved on already.
    if (this.closed || connection.address !== address) return;
    // A stalled channel is replaced; after any failure the next address is tried.
    if (reason === 'timeout') connection.reset();
    connection.failover();
  }
}
