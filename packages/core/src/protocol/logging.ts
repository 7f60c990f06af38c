/**
 * The SkyWalking v3 log protocol (proto/skywalking/v3/Logging.proto): LogData and
 * LogReportService/collect. Loaded on first use, apart from the trace definitions, so that a
 * process that sends no logs never parses it.
 */
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { protoDirectory, TO_OBJECT_OPTIONS, type Commands, type KeyStringValuePair, type MethodDefinition } from './common';

/** The span a log was written in: the ids its segment is reported with. */
export interface LogTraceContext {
  traceId: string;
  /** Empty when the span was not sampled (its segment is never reported). */
  traceSegmentId: string;
  /** The span's index in its segment, from 0. */
  spanId: number;
}

/** A log's content: exactly one of text, json or yaml. */
export interface LogDataBody {
  type?: string;
  text?: { text: string } | null;
  json?: { json: string } | null;
  yaml?: { yaml: string } | null;
}

export interface LogData {
  /** Epoch milliseconds. */
  timestamp: number;
  service: string;
  serviceInstance: string;
  endpoint: string;
  body: LogDataBody | null;
  /** Absent (null once decoded) for a log written outside a trace. */
  traceContext?: LogTraceContext | null;
  tags: { data: KeyStringValuePair[] } | null;
  layer: string;
}

export interface LoggingProtocol {
  root: protobuf.Root;
  LogData: protobuf.Type;
  Commands: protobuf.Type;
}

let loaded: LoggingProtocol | undefined;

export function loadLoggingProtocol(): LoggingProtocol {
  if (loaded !== undefined) return loaded;
  const dir = protoDirectory();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync(['skywalking/v3/Logging.proto'], { keepCase: true });
  root.resolveAll();
  loaded = { root, LogData: root.lookupType('skywalking.v3.LogData'), Commands: root.lookupType('skywalking.v3.Commands') };
  return loaded;
}

function serializer<T>(type: protobuf.Type): (value: T) => Buffer {
  return (value: T) => {
    const bytes = type.encode(type.fromObject(value as object)).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<T>(type: protobuf.Type): (bytes: Buffer) => T {
  // From a Uint8Array view, as for the trace messages.
  return (bytes: Buffer) =>
    type.toObject(type.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), TO_OBJECT_OPTIONS) as T;
}

/** LogReportService on its packaged path, `/skywalking.v3.LogReportService/collect`. */
export function logReportService(): { collect: MethodDefinition<LogData, Commands> } {
  const p = loadLoggingProtocol();
  return {
    collect: {
      path: '/skywalking.v3.LogReportService/collect',
      requestStream: true,
      responseStream: false,
      requestSerialize: serializer<LogData>(p.LogData),
      requestDeserialize: deserializer<LogData>(p.LogData),
      responseSerialize: serializer<Commands>(p.Commands),
      responseDeserialize: deserializer<Commands>(p.Commands),
    },
  };
}
