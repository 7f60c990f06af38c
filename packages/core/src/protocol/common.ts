/**
 * What the trace, log and meter protocol modules share: where the .proto files are, how decoded
 * messages are shaped, the common messages (KeyStringValuePair, Commands) and the gRPC method shape.
 * Its own module so that index.ts, logging.ts and meter.ts import it without importing each other.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as protobuf from 'protobufjs';

export interface KeyStringValuePair {
  key: string;
  value: string;
}

export interface Command {
  command: string;
  args: KeyStringValuePair[];
}

export interface Commands {
  commands: Command[];
}

/** Where the .proto files are: a copy inside the published package, else the repository's proto/. */
export function protoDirectory(): string {
  const candidates = [resolve(__dirname, '../../../proto'), resolve(__dirname, '../../../../../proto')];
  const found = candidates.find((dir) => existsSync(join(dir, 'skywalking/v3/Tracing.proto')));
  if (found === undefined) throw new Error(`SkyWalking .proto files not found in ${candidates.join(' or ')}`);
  return found;
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
