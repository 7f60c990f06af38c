/**
 * The gRPC side of the meter exporter, in one file so it can be swapped for a transport shared with
 * the trace exporter. A report is one MeterReportService call, made only on a READY channel (never
 * queued inside grpc-js while it reconnects), under a deadline, with the `Authentication` metadata.
 *
 * The channel is built with the trace exporter's target, credentials and channel options: grpc-js
 * then hands both clients the same subchannel from its global pool, i.e. one HTTP/2 connection.
 * (TLS credentials compare by identity in grpc-js, so with TLS the two keep separate connections.)
 */
import * as grpc from '@grpc/grpc-js';
import { AUTHENTICATION_METADATA_KEY, OAP_MAX_MESSAGE_BYTES } from '@otel-skywalking/core';
import { meterReportService, type Commands, type MeterData } from '@otel-skywalking/core/protocol';
import type { MetricExporterConfig } from './config';

type Callback = (error: grpc.ServiceError | null, reply?: Commands) => void;

interface MeterClient extends grpc.Client {
  collect(metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): grpc.ClientWritableStream<object>;
  collectBatch(metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): grpc.ClientWritableStream<object>;
}

type MeterClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => MeterClient;

let clientConstructor: MeterClientConstructor | undefined;

function meterClientConstructor(): MeterClientConstructor {
  clientConstructor ??= grpc.makeGenericClientConstructor(
    meterReportService() as unknown as grpc.ServiceDefinition,
    'SkyWalkingMeterReport',
  ) as unknown as MeterClientConstructor;
  return clientConstructor;
}

/** The trace exporter's user agent: part of the channel options, so it must be equal to share. */
function userAgent(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return `otel-skywalking-exporter/${(require('@otel-skywalking/exporter/package.json') as { version: string }).version}`;
  } catch {
    return 'otel-skywalking-exporter-metrics';
  }
}

/** The same options, key for key, as @otel-skywalking/exporter's CollectorConnection. */
export function channelOptions(config: MetricExporterConfig): grpc.ChannelOptions {
  const retryBuffer = 64 * 1024;
  return {
    'grpc.max_send_message_length': OAP_MAX_MESSAGE_BYTES,
    'grpc.enable_retries': 0,
    'grpc.per_rpc_retry_buffer_size': retryBuffer,
    'grpc.retry_buffer_size': 4 * retryBuffer,
    'grpc.service_config_disable_resolution': 1,
    'grpc.initial_reconnect_backoff_ms': Math.min(1000, config.backoffInitialMillis),
    'grpc.max_reconnect_backoff_ms': config.backoffMaxMillis,
    'grpc.primary_user_agent': userAgent(),
  };
}

export type SendOutcome = 'sent' | 'unavailable' | 'failed';

export class MeterTransport {
  private index = 0;
  private client: MeterClient | undefined;
  private readonly credentials: grpc.ChannelCredentials;
  private readonly options: grpc.ChannelOptions;
  private readonly calls = new Set<grpc.ClientWritableStream<object>>();
  /** Pending waits for READY, each ended (with no client) by close(). */
  private readonly waiters = new Set<() => void>();
  private closed = false;
  /** collectBatch was answered UNIMPLEMENTED (an OAP before 9): collect from then on. */
  batchUnsupported = false;

  constructor(private readonly config: MetricExporterConfig) {
    const tls = config.tls;
    this.credentials =
      tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
    this.options = channelOptions(config);
  }

  /** Sends one report (service, instance and timestamp on its first MeterData); calls back once. */
  send(report: MeterData[], done: (outcome: SendOutcome, error?: Error) => void): void {
    const deadline = Date.now() + this.config.timeoutMillis;
    this.whenReady(this.config.connectTimeoutMillis, (client) => {
      if (client === undefined) {
        this.failover();
        done('unavailable');
        return;
      }
      this.call(client, report, deadline, done);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.calls) call.cancel();
    this.calls.clear();
    for (const abandon of [...this.waiters]) abandon();
    this.client?.close();
    this.client = undefined;
  }

  private call(client: MeterClient, report: MeterData[], deadline: number, done: (outcome: SendOutcome, error?: Error) => void): void {
    const batch = this.config.reportMethod === 'collectBatch' && !this.batchUnsupported;
    const metadata = new grpc.Metadata({ waitForReady: false });
    if (this.config.authentication !== undefined) metadata.set(AUTHENTICATION_METADATA_KEY, this.config.authentication);
    let stream: grpc.ClientWritableStream<object>;
    const finish: Callback = (error) => {
      this.calls.delete(stream);
      if (error === null) {
        done('sent');
      } else if (batch && error.code === grpc.status.UNIMPLEMENTED && !this.closed) {
        this.batchUnsupported = true;
        this.call(client, report, deadline, done);
      } else {
        if (error.code === grpc.status.UNAVAILABLE) this.failover();
        done('failed', error);
      }
    };
    try {
      stream = batch ? client.collectBatch(metadata, { deadline }, finish) : client.collect(metadata, { deadline }, finish);
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

  private channelClient(): MeterClient {
    if (this.client === undefined) {
      const Client = meterClientConstructor();
      this.client = new Client(this.config.collectors[this.index], this.credentials, this.options);
    }
    return this.client;
  }

  private failover(): void {
    if (this.config.collectors.length < 2) return;
    this.index = (this.index + 1) % this.config.collectors.length;
    this.client?.close();
    this.client = undefined;
  }

  /** Calls back with a client whose channel is READY, or undefined when it is not within `timeoutMs`. */
  private whenReady(timeoutMs: number, callback: (client: MeterClient | undefined) => void): void {
    if (this.closed) {
      callback(undefined);
      return;
    }
    const client = this.channelClient();
    let settled = false;
    const settle = (result: MeterClient | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.waiters.delete(abandon);
      callback(result);
    };
    const abandon = (): void => settle(undefined);
    const timer = setTimeout(abandon, Math.max(1, timeoutMs));
    timer.unref();
    this.waiters.add(abandon);
    const check = (): void => {
      if (settled) return;
      let state: grpc.connectivityState;
      try {
        state = client.getChannel().getConnectivityState(true);
      } catch {
        settle(undefined);
        return;
      }
      if (state === grpc.connectivityState.READY) settle(client);
      else if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) settle(undefined);
      else client.getChannel().watchConnectivityState(state, Date.now() + timeoutMs, check);
    };
    check();
  }
}
