/**
 * The SkyWalking v3 collect protocol (proto/ at the repository root), loaded with protobufjs, and
 * gRPC method definitions for @grpc/grpc-js built from it. Import as `@otel-skywalking/core/protocol`
 * so that users of the propagator alone never load protobufjs.
 */
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { protoDirectory, TO_OBJECT_OPTIONS, type Commands, type KeyStringValuePair, type MethodDefinition } from './common';

export { protoDirectory, TO_OBJECT_OPTIONS, type Command, type Commands, type KeyStringValuePair, type MethodDefinition } from './common';

export enum SpanType {
  Entry = 0,
  Exit = 1,
  Local = 2,
}

export enum SpanLayer {
  Unknown = 0,
  Database = 1,
  RPCFramework = 2,
  Http = 3,
  MQ = 4,
  Cache = 5,
  FAAS = 6,
}

export { RefType } from '../segment-tracker';
import type { SegmentRef } from '../segment-tracker';

/** A segment reference on the wire is exactly what the bookkeeping keeps. */
export type SegmentReference = SegmentRef;

export interface Log {
  /** Epoch milliseconds. */
  time: number;
  data: KeyStringValuePair[];
}

export interface SpanObject {
  spanId: number;
  parentSpanId: number;
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number;
  refs: SegmentReference[];
  operationName: string;
  peer: string;
  spanType: SpanType;
  spanLayer: SpanLayer;
  componentId: number;
  isError: boolean;
  tags: KeyStringValuePair[];
  logs: Log[];
  skipAnalysis: boolean;
}

export interface SegmentObject {
  traceId: string;
  traceSegmentId: string;
  spans: SpanObject[];
  service: string;
  serviceInstance: string;
  isSizeLimited: boolean;
}

export interface SegmentCollection {
  segments: SegmentObject[];
}

export interface InstanceProperties {
  service: string;
  serviceInstance: string;
  properties: KeyStringValuePair[];
  layer: string;
}

export interface InstancePingPkg {
  service: string;
  serviceInstance: string;
  layer: string;
}

export interface SkyWalkingProtocol {
  root: protobuf.Root;
  SegmentObject: protobuf.Type;
  SegmentCollection: protobuf.Type;
  Commands: protobuf.Type;
  InstanceProperties: protobuf.Type;
  InstancePingPkg: protobuf.Type;
}

let loaded: SkyWalkingProtocol | undefined;

/** Loads (once) the Tracing, Command, Common and Management definitions and their compat twins. */
export function loadProtocol(): SkyWalkingProtocol {
  if (loaded !== undefined) return loaded;
  const dir = protoDirectory();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync(
    [
      'skywalking/v3/Tracing.proto',
      'skywalking/v3/Management.proto',
      'compat/TracingCompat.proto',
      'compat/ManagementCompat.proto',
    ],
    { keepCase: true },
  );
  root.resolveAll();
  loaded = {
    root,
    SegmentObject: root.lookupType('skywalking.v3.SegmentObject'),
    SegmentCollection: root.lookupType('skywalking.v3.SegmentCollection'),
    Commands: root.lookupType('skywalking.v3.Commands'),
    InstanceProperties: root.lookupType('skywalking.v3.InstanceProperties'),
    InstancePingPkg: root.lookupType('skywalking.v3.InstancePingPkg'),
  };
  return loaded;
}

function codec<T>(type: protobuf.Type): { serialize: (v: T) => Buffer; deserialize: (b: Buffer) => T } {
  return {
    serialize: (value: T) => {
      const bytes = type.encode(type.fromObject(value as object)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    // From a Uint8Array view: protobufjs decoding a Buffer quietly cuts a string that runs past the end.
    deserialize: (bytes: Buffer) =>
      type.toObject(type.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), TO_OBJECT_OPTIONS) as T,
  };
}

function method<Req, Res>(
  path: string,
  requestStream: boolean,
  request: protobuf.Type,
  response: protobuf.Type,
): MethodDefinition<Req, Res> {
  const req = codec<Req>(request);
  const res = codec<Res>(response);
  return {
    path,
    requestStream,
    responseStream: false,
    requestSerialize: req.serialize,
    requestDeserialize: req.deserialize,
    responseSerialize: res.serialize,
    responseDeserialize: res.deserialize,
  };
}

export interface ManagementServiceDefinition {
  reportInstanceProperties: MethodDefinition<InstanceProperties, Commands>;
  keepAlive: MethodDefinition<InstancePingPkg, Commands>;
}

/**
 * gRPC service definitions on the packaged paths (`/skywalking.v3.…`) or, with `compat`, on the
 * deprecated unpackaged paths the OAP still accepts.
 */
export function traceSegmentReportService(compat = false): {
  collect: MethodDefinition<SegmentObject, Commands>;
  collectInSync: MethodDefinition<SegmentCollection, Commands>;
} {
  const p = loadProtocol();
  const prefix = compat ? '/TraceSegmentReportService/' : '/skywalking.v3.TraceSegmentReportService/';
  return {
    collect: method(prefix + 'collect', true, p.SegmentObject, p.Commands),
    collectInSync: method(prefix + 'collectInSync', false, p.SegmentCollection, p.Commands),
  };
}

export function managementService(compat = false): ManagementServiceDefinition {
  const p = loadProtocol();
  const prefix = compat ? '/ManagementService/' : '/skywalking.v3.ManagementService/';
  return {
    reportInstanceProperties: method(prefix + 'reportInstanceProperties', false, p.InstanceProperties, p.Commands),
    keepAlive: method(prefix + 'keepAlive', false, p.InstancePingPkg, p.Commands),
  };
}

export { loadLoggingProtocol, logReportService } from './logging';
export type { LogData, LogDataBody, LogTraceContext, LoggingProtocol } from './logging';
export { loadMeterProtocol, meterReportService } from './meter';
export type {
  MeterBucketValue,
  MeterData,
  MeterDataCollection,
  MeterHistogram,
  MeterLabel,
  MeterProtocol,
  MeterReportServiceDefinition,
  MeterSingleValue,
} from './meter';
