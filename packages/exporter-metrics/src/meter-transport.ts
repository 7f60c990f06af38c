/**
 * The meter reports on the trace exporter's connection (@otel-skywalking/exporter/transport): one
 * connection per process and OAP configuration, TLS included, with its failover, token and
 * handshake guard. A report is one MeterReportService call by path, made only on a READY channel
 * (never queued inside grpc-js while it reconnects), under a deadline.
 */
import * as grpc from '@grpc/grpc-js';
import { meterReportService, type MeterData, type MeterReportServiceDefinition } from '@otel-skywalking/core/protocol';
import { shareCollectorConnection, type CollectorConnectionShare } from '@otel-skywalking/exporter/transport';
import type { MetricExporterConfig } from './config';

let service: MeterReportServiceDefinition | undefined;

export type SendOutcome = 'sent' | 'unavailable' | 'failed';

type Done = (outcome: SendOutcome, error?: Error) => void;

export class MeterTransport {
  private readonly share: CollectorConnectionShare;
  private readonly calls = new Set<grpc.ClientWritableStream<unknown>>();
  /** Pending waits for READY, each ended (as unavailable) by close(). */
  private readonly waiters = new Set<() => void>();
  private closed = false;
  /** collectBatch was answered UNIMPLEMENTED (an OAP before 9): collect from then on. */
  batchUnsupported = false;

  constructor(private readonly config: MetricExporterConfig) {
    this.share = shareCollectorConnection(config.connection);
  }

  /** Sends one report (service, instance and timestamp on its first MeterData); calls back once. */
  send(report: MeterData[], done: Done): void {
    const { connection } = this.share;
    if (this.closed) return done('unavailable', new Error('the exporter is shut down'));
    const deadline = Date.now() + this.config.connection.timeoutMillis;
    const address = connection.address;
    let waiting = true;
    const abandon = (): void => {
      if (!waiting) return;
      waiting = false;
      this.waiters.delete(abandon);
      done('unavailable');
    };
    this.waiters.add(abandon);
    connection.whenReady(this.config.connection.connectTimeoutMillis, (client, failure) => {
      if (!waiting) return;
      waiting = false;
      this.waiters.delete(abandon);
      if (client === undefined) {
        this.failover(address);
        done('unavailable', failure);
        return;
      }
      this.call(client, address, report, deadline, done);
    });
  }

  /** Cancels this exporter's call and wait, and gives up its share of the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.calls) call.cancel();
    this.calls.clear();
    for (const abandon of [...this.waiters]) abandon();
    this.share.release();
  }

  private call(client: grpc.Client, address: string, report: MeterData[], deadline: number, done: Done): void {
    service ??= meterReportService();
    const batch = this.config.reportMethod === 'collectBatch' && !this.batchUnsupported;
    const method = batch ? service.collectBatch : service.collect;
    let stream: grpc.ClientWritableStream<unknown>;
    const finish = (error: grpc.ServiceError | null): void => {
      this.calls.delete(stream);
      if (error === null) {
        done('sent');
      } else if (batch && error.code === grpc.status.UNIMPLEMENTED && !this.closed) {
        this.batchUnsupported = true;
        this.call(client, address, report, deadline, done);
      } else {
        if (error.code === grpc.status.UNAVAILABLE) this.failover(address);
        done('failed', error);
      }
    };
    try {
      stream = client.makeClientStreamRequest(
        method.path,
        method.requestSerialize as (value: unknown) => Buffer,
        method.responseDeserialize,
        this.share.connection.metadata(),
        { deadline },
        finish,
      );
    } catch (err) {
      done('failed', err as Error);
      return;
    }
    this.calls.add(stream);
    stream.on('error', () => undefined); // the callback reports it
    if (batch) stream.write({ meterData: report });
    else for (const meter of report) stream.write(meter);
    stream.end();
  }

  /** Next address, unless another signal on the shared connection has moved on already. */
  private failover(address: string): void {
    const { connection } = this.share;
    if (!this.closed && connection.address === address) connection.failover();
  }
}
