/**
 * MeterReportService on the gRPC server, packaged and unpackaged paths: `collect` (one report per
 * stream: every MeterData until the client half-closes) and `collectBatch` (each MeterDataCollection
 * is a report). Bounded like the trace streams: idle streams end, and a report holds at most
 * MAX_METERS_PER_REPORT meters (the rest of a longer one is ignored).
 */
import * as grpc from '@grpc/grpc-js';
import {
  loadMeterProtocol,
  meterReportService,
  type Commands,
  type MeterData,
  type MeterDataCollection,
  type MethodDefinition,
} from '@otel-skywalking/core/protocol';

/** Meters taken from one report; a longer report is cut (the OAP has no such cap, our memory does). */
const MAX_METERS_PER_REPORT = 10_000;

const EMPTY_COMMANDS: Commands = { commands: [] };

interface Decoded<T> {
  value: T;
  bytes: number;
}

type Type = ReturnType<typeof loadMeterProtocol>['MeterData'];

/** The receiver's decoding wrapper (sizes counted, bad bytes counted). */
export type Measure = <Req, Res>(def: MethodDefinition<Req, Res>, type: Type) => MethodDefinition<Decoded<Req>, Res>;

export interface MeterReceiverOptions {
  streamIdleTimeoutMillis: number;
  /** A whole report; called inside the receiver's error guard. */
  onReport: (report: MeterData[]) => void;
}

/** A client stream answered once, after the client half-closes; ended when idle for `idleMs`. */
function serveStream<T>(
  call: grpc.ServerReadableStream<T, Commands>,
  callback: grpc.sendUnaryData<Commands>,
  idleMs: number,
  onMessage: (message: T) => void,
  onEnd: () => void,
): void {
  let done = false;
  const idle = setTimeout(() => {
    if (done) return;
    done = true;
    callback({ code: grpc.status.DEADLINE_EXCEEDED, details: `no message for ${idleMs} ms` });
  }, idleMs);
  idle.unref();
  const stop = (): void => {
    done = true;
    clearTimeout(idle);
  };
  call.on('data', (message: T) => {
    if (done) return;
    idle.refresh();
    onMessage(message);
  });
  call.on('end', () => {
    if (done) return;
    stop();
    onEnd();
    callback(null, EMPTY_COMMANDS);
  });
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
}

export function addMeterReportService(server: grpc.Server, measure: Measure, options: MeterReceiverOptions): void {
  const types = loadMeterProtocol();
  const idleMs = options.streamIdleTimeoutMillis;
  const collect = (call: grpc.ServerReadableStream<Decoded<MeterData>, Commands>, callback: grpc.sendUnaryData<Commands>): void => {
    const report: MeterData[] = [];
    serveStream(
      call,
      callback,
      idleMs,
      (message) => {
        if (report.length < MAX_METERS_PER_REPORT) report.push(message.value);
      },
      () => options.onReport(report),
    );
  };
  const collectBatch = (
    call: grpc.ServerReadableStream<Decoded<MeterDataCollection>, Commands>,
    callback: grpc.sendUnaryData<Commands>,
  ): void => {
    serveStream(call, callback, idleMs, (message) => options.onReport(message.value.meterData.slice(0, MAX_METERS_PER_REPORT)), () => undefined);
  };
  for (const compat of [false, true]) {
    const service = meterReportService(compat);
    server.addService(
      {
        collect: measure(service.collect, types.MeterData),
        collectBatch: measure(service.collectBatch, types.MeterDataCollection),
      } as unknown as grpc.ServiceDefinition,
      { collect, collectBatch } as unknown as grpc.UntypedServiceImplementation,
    );
  }
}
