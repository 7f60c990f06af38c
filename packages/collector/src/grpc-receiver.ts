/**
 * The gRPC side: TraceSegmentReportService and ManagementService on the packaged and the deprecated
 * unpackaged paths, the OAP's Authentication check, TLS, and the bounds (message size, concurrent
 * calls, idle streams). Decoded messages go to the handlers; nothing here throws into grpc-js.
 */
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AUTHENTICATION_METADATA_KEY, formatHostPort } from '@otel-skywalking/core';
import {
  loadProtocol,
  managementService,
  TO_OBJECT_OPTIONS,
  traceSegmentReportService,
  type Commands,
  type InstancePingPkg,
  type InstanceProperties,
  type MethodDefinition,
  type SegmentCollection,
  type SegmentObject,
} from '@otel-skywalking/core/protocol';
import { ThrottledDiag } from '@otel-skywalking/core';
import type { CollectorStats, CollectorTlsOptions } from './types';
import { addMeterReportService, type Measure } from './meter-receiver';
import type { MeterData } from '@otel-skywalking/core/protocol';

type MessageType = ReturnType<typeof loadProtocol>['SegmentObject'];

/** A decoded request and the size of its encoding. */
interface Decoded<T> {
  value: T;
  bytes: number;
}

export interface ReceiverHandlers {
  onSegment(segment: SegmentObject, bytes: number): void;
  onInstanceProperties(report: InstanceProperties): void;
  onKeepAlive(ping: InstancePingPkg): void;
  /** One MeterReportService report. */
  onMeterReport(report: MeterData[]): void;
  /** A call started or ended (the counters changed). */
  onCallChange(): void;
  /** Adds more services (logs, meters) to the server, behind the same interceptor. */
  addServices?(server: grpc.Server): void;
}

export interface ReceiverLimits {
  token: string | undefined;
  tls: CollectorTlsOptions | undefined;
  maxMessageBytes: number;
  maxConcurrentStreams: number;
  streamIdleTimeoutMillis: number;
}

/** The receiver's share of the collector's stats (documented on CollectorStats). */
export type ReceiverCounters = Pick<
  CollectorStats,
  | 'bytesReceived'
  | 'messagesMalformed'
  | 'callsUnauthenticated'
  | 'callsOverLimit'
  | 'callsAborted'
  | 'callsStarted'
  | 'callsActive'
  | 'streamsOpened'
  | 'streamsIdleTimedOut'
  | 'collectInSyncCalls'
  | 'propertiesReports'
  | 'keepAlives'
>;

/** The OAP answers every trace and management call with an empty Commands. */
const EMPTY_COMMANDS: Commands = { commands: [] };

export class GrpcReceiver {
  readonly counters: ReceiverCounters = {
    bytesReceived: 0,
    messagesMalformed: 0,
    callsUnauthenticated: 0,
    callsOverLimit: 0,
    callsAborted: 0,
    callsStarted: 0,
    callsActive: 0,
    streamsOpened: 0,
    streamsIdleTimedOut: 0,
    collectInSyncCalls: 0,
    propertiesReports: 0,
    keepAlives: 0,
  };
  private server: grpc.Server | undefined;
  private readonly storeFailures = new ThrottledDiag();
  private readonly token: Buffer | undefined;

  constructor(
    private readonly limits: ReceiverLimits,
    private readonly handlers: ReceiverHandlers,
  ) {
    this.token = limits.token === undefined ? undefined : Buffer.from(limits.token, 'utf8');
  }

  /** Binds and returns the port (the one picked when `port` is 0). */
  async start(host: string, port: number): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.limits.maxMessageBytes,
      'grpc.max_concurrent_streams': this.limits.maxConcurrentStreams,
      interceptors: [this.callGate],
    });
    const types = loadProtocol();
    for (const compat of [false, true]) {
      const trace = traceSegmentReportService(compat);
      server.addService(
        {
          collect: this.measured(trace.collect, types.SegmentObject),
          collectInSync: this.measured(trace.collectInSync, types.SegmentCollection),
        },
        { collect: this.collect, collectInSync: this.collectInSync },
      );
      const management = managementService(compat);
      server.addService(
        {
          reportInstanceProperties: this.measured(management.reportInstanceProperties, types.InstanceProperties),
          keepAlive: this.measured(management.keepAlive, types.InstancePingPkg),
        },
        { reportInstanceProperties: this.reportInstanceProperties, keepAlive: this.keepAlive },
      );
    }
    this.handlers.addServices?.(server);
    addMeterReportService(server, ((def, type) => this.measured(def, type)) as Measure, {
      streamIdleTimeoutMillis: this.limits.streamIdleTimeoutMillis,
      onReport: (report) => this.safely(() => this.handlers.onMeterReport(report)),
    });
    this.server = server;
    const address = formatHostPort(host, port);
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, this.credentials(), (err, actual) => {
        if (err === null) resolve(actual);
        else reject(new Error(`SkyWalkingCollector: cannot listen for gRPC on ${address} (port taken or host not local?): ${err.message}`, { cause: err }));
      });
    });
    return bound;
  }

  /** Stops at once: open calls are cancelled (the segments they delivered are kept). */
  close(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private credentials(): grpc.ServerCredentials {
    const tls = this.limits.tls;
    if (tls === undefined) return grpc.ServerCredentials.createInsecure();
    const ca = tls.ca === undefined ? null : Buffer.from(tls.ca);
    return grpc.ServerCredentials.createSsl(
      ca,
      [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
      ca !== null && tls.requireClientCertificate !== false,
    );
  }

  /**
   * Wraps a method definition so the handler also gets the message size, bad bytes are counted, and
   * decoding is strict: protobufjs reads a Buffer leniently (a string longer than the message is cut
   * short), where the OAP's protobuf-java rejects the message, so decode from a plain Uint8Array view.
   */
  private measured<Req, Res>(def: MethodDefinition<Req, Res>, type: MessageType): MethodDefinition<Decoded<Req>, Res> {
    const counters = this.counters;
    return {
      ...def,
      requestSerialize: (decoded: Decoded<Req>) => def.requestSerialize(decoded.value),
      requestDeserialize: (bytes: Buffer): Decoded<Req> => {
        try {
          const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const value = type.toObject(type.decode(view), TO_OBJECT_OPTIONS) as Req;
          counters.bytesReceived += bytes.length;
          return { value, bytes: bytes.length };
        } catch (err) {
          counters.messagesMalformed++;
          throw err; // grpc-js ends the call with INTERNAL "Error deserializing request"
        }
      },
    };
  }

  private tokenMatches(metadata: grpc.Metadata): boolean {
    const expected = this.token as Buffer;
    const given = metadata.get(AUTHENTICATION_METADATA_KEY)[0];
    if (given === undefined) return false;
    const bytes = Buffer.isBuffer(given) ? given : Buffer.from(given, 'utf8');
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  }

  /**
   * Runs first on every call: the Authentication check (as the OAP's AuthenticationInterceptor), the
   * concurrency cap, and the accounting of calls that end without our answer.
   */
  private readonly callGate: grpc.ServerInterceptor = (_method, call) => {
    const counters = this.counters;
    counters.callsStarted++;
    counters.callsActive++;
    this.handlers.onCallChange();
    let answered = false;
    let ended = false;
    const refuse = (code: grpc.status, details: string): void => {
      answered = true;
      call.sendStatus({ code, details });
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            if (this.token !== undefined && !this.tokenMatches(metadata)) {
              counters.callsUnauthenticated++;
              refuse(grpc.status.UNAUTHENTICATED, 'missing or wrong Authentication metadata');
            } else if (counters.callsActive > this.limits.maxConcurrentStreams) {
              counters.callsOverLimit++;
              refuse(grpc.status.RESOURCE_EXHAUSTED, `more than ${this.limits.maxConcurrentStreams} concurrent calls`);
            } else {
              nextMetadata(metadata);
            }
          },
          onCancel: () => {
            if (ended) return;
            ended = true;
            counters.callsActive--;
            if (!answered) counters.callsAborted++;
            this.handlers.onCallChange();
          },
        }),
      sendStatus: (status, next) => {
        answered = true;
        next(status);
      },
    });
  };

  private readonly collect = (
    call: grpc.ServerReadableStream<Decoded<SegmentObject>, Commands>,
    callback: grpc.sendUnaryData<Commands>,
  ): void => {
    this.counters.streamsOpened++;
    let done = false;
    const idle = setTimeout(() => {
      if (done) return;
      done = true;
      this.counters.streamsIdleTimedOut++;
      callback({ code: grpc.status.DEADLINE_EXCEEDED, details: `no message for ${this.limits.streamIdleTimeoutMillis} ms` });
    }, this.limits.streamIdleTimeoutMillis);
    idle.unref();
    const stop = (): void => {
      done = true;
      clearTimeout(idle);
    };
    call.on('data', (message: Decoded<SegmentObject>) => {
      if (done) return;
      idle.refresh();
      this.accept(message.value, message.bytes);
    });
    // The OAP answers once, after the client half-closes.
    call.on('end', () => {
      if (done) return;
      stop();
      callback(null, EMPTY_COMMANDS);
    });
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('error', stop);
  };

  private readonly collectInSync = (
    call: grpc.ServerUnaryCall<Decoded<SegmentCollection>, Commands>,
    callback: grpc.sendUnaryData<Commands>,
  ): void => {
    this.counters.collectInSyncCalls++;
    const { value, bytes } = call.request;
    const share = value.segments.length === 0 ? 0 : Math.ceil(bytes / value.segments.length);
    for (const segment of value.segments) this.accept(segment, share);
    callback(null, EMPTY_COMMANDS);
  };

  private readonly reportInstanceProperties = (
    call: grpc.ServerUnaryCall<Decoded<InstanceProperties>, Commands>,
    callback: grpc.sendUnaryData<Commands>,
  ): void => {
    this.counters.propertiesReports++;
    this.safely(() => this.handlers.onInstanceProperties(call.request.value));
    callback(null, EMPTY_COMMANDS);
  };

  private readonly keepAlive = (
    call: grpc.ServerUnaryCall<Decoded<InstancePingPkg>, Commands>,
    callback: grpc.sendUnaryData<Commands>,
  ): void => {
    this.counters.keepAlives++;
    this.safely(() => this.handlers.onKeepAlive(call.request.value));
    callback(null, EMPTY_COMMANDS);
  };

  private accept(segment: SegmentObject, bytes: number): void {
    this.safely(() => this.handlers.onSegment(segment, bytes));
  }

  /** Like the OAP, analysis failures are not the client's business: they never end its call. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.storeFailures.error('store', 'collector: failed to store a received message', err);
    }
  }
}
