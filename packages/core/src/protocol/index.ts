/**
 * The SkyWalking v3 collect protocol (proto/ at the repository root), loaded with protobufjs, and
 * gRPC method definitions for @grpc/grpc-js built from it. Import as `@otel-skywalking/core/protocol`
 * so that users of the propagator alone never load protobufjs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as protobuf from 'protobufjs';

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

export interface KeyStringValuePair {
  key: string;
  value: string;
}

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

export interface Command {
  command: string;
  args: KeyStringValuePair[];
}

export interface Commands {
  commands: Command[];
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

/** Where the .proto files are: a copy inside the published package, else the repository's proto/. */
export function protoDirectory(): string {
  const candidates = [resolve(__dirname, '../../../proto'), resolve(__dirname, '../../../../../proto')];
  const found = candidates.find((dir) => existsSync(join(dir, 'skywalking/v3/Tracing.proto')));
  if (found === undefined) throw new Error(`SkyWalking .proto files not found in ${candidates.join(' or ')}`);
  return found;
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

/** Options for protobufjs toObject so decoded messages match the interfaces above. */
export const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
};

/** A gRPC method definition in the shape @grpc/grpc-js expects (structural, no grpc-js import). */
export interface MethodDefinition<Req, Res> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: Req) => Buffer;
  requestDeserialize: (bytes: Buffer) => Req;
  responseSerialize: (value: Res) => Buffer;
  responseDeserialize: (bytes: Buffer) => Res;
  originalName?: string;
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

export * from './logging';
export * from './meter';
