/**
 * MeterReportService (proto/skywalking/v3/Meter.proto): message shapes and gRPC method definitions,
 * loaded on first use into their own protobufjs root.
 */
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { protoDirectory, TO_OBJECT_OPTIONS, type Commands, type MethodDefinition } from './common';

export interface MeterLabel {
  name: string;
  value: string;
}

export interface MeterBucketValue {
  /** The bucket's lower bound (ignored when isNegativeInfinity). */
  bucket: number;
  count: number;
  isNegativeInfinity: boolean;
}

export interface MeterSingleValue {
  name: string;
  labels: MeterLabel[];
  value: number;
}

export interface MeterHistogram {
  name: string;
  labels: MeterLabel[];
  values: MeterBucketValue[];
}

/** One meter; decoded, the absent side of the oneof is null. */
export interface MeterData {
  singleValue?: MeterSingleValue | null;
  histogram?: MeterHistogram | null;
  /** Set on the first MeterData of a report only. */
  service?: string;
  serviceInstance?: string;
  /** Epoch milliseconds; on the first MeterData of a report. */
  timestamp?: number;
}

export interface MeterDataCollection {
  meterData: MeterData[];
}

export interface MeterProtocol {
  MeterData: protobuf.Type;
  MeterDataCollection: protobuf.Type;
  Commands: protobuf.Type;
}

let loaded: MeterProtocol | undefined;

export function loadMeterProtocol(): MeterProtocol {
  if (loaded !== undefined) return loaded;
  const dir = protoDirectory();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync('skywalking/v3/Meter.proto', { keepCase: true });
  root.resolveAll();
  loaded = {
    MeterData: root.lookupType('skywalking.v3.MeterData'),
    MeterDataCollection: root.lookupType('skywalking.v3.MeterDataCollection'),
    Commands: root.lookupType('skywalking.v3.Commands'),
  };
  return loaded;
}

function definition<Req>(path: string, request: protobuf.Type, response: protobuf.Type): MethodDefinition<Req, Commands> {
  const encode = (type: protobuf.Type) => (value: unknown): Buffer => {
    const bytes = type.encode(type.fromObject(value as object)).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const decode = <T>(type: protobuf.Type) => (bytes: Buffer): T =>
    type.toObject(type.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), TO_OBJECT_OPTIONS) as T;
  return {
    path,
    requestStream: true,
    responseStream: false,
    requestSerialize: encode(request),
    requestDeserialize: decode<Req>(request),
    responseSerialize: encode(response),
    responseDeserialize: decode<Commands>(response),
  };
}

export interface MeterReportServiceDefinition {
  collect: MethodDefinition<MeterData, Commands>;
  collectBatch: MethodDefinition<MeterDataCollection, Commands>;
}

/** On `/skywalking.v3.MeterReportService/…`, or with `compat` on the deprecated unpackaged path. */
export function meterReportService(compat = false): MeterReportServiceDefinition {
  const p = loadMeterProtocol();
  const prefix = compat ? '/MeterReportService/' : '/skywalking.v3.MeterReportService/';
  return {
    collect: definition<MeterData>(prefix + 'collect', p.MeterData, p.Commands),
    collectBatch: definition<MeterDataCollection>(prefix + 'collectBatch', p.MeterDataCollection, p.Commands),
  };
}
