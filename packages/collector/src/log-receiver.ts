/**
 * LogReportService/collect on the collector's gRPC server: each LogData goes to `onLog` as it
 * arrives; the call is answered with an empty Commands once the client half-closes, as the OAP
 * does. The server's interceptor (token, concurrency cap) applies to it like to every call.
 */
import * as grpc from '@grpc/grpc-js';
import { logReportService, type Commands, type LogData } from '@otel-skywalking/core/protocol';

export interface LogReceiverHandlers {
  onLog(log: LogData, bytes: number): void;
  /** A message that does not decode as LogData. */
  onMalformed(): void;
  streamIdleTimeoutMillis: number;
}

interface Decoded {
  value: LogData;
  bytes: number;
}

export function addLogReportService(server: grpc.Server, handlers: LogReceiverHandlers): void {
  const collect = logReportService().collect;
  const definition = {
    collect: {
      ...collect,
      requestSerialize: (decoded: Decoded) => collect.requestSerialize(decoded.value),
      requestDeserialize: (bytes: Buffer): Decoded => {
        try {
          return { value: collect.requestDeserialize(bytes), bytes: bytes.length };
        } catch (err) {
          handlers.onMalformed();
          throw err; // grpc-js ends the call with INTERNAL "Error deserializing request"
        }
      },
    },
  };
  const onCollect = (call: grpc.ServerReadableStream<Decoded, Commands>, callback: grpc.sendUnaryData<Commands>): void => {
    let done = false;
    const idle = setTimeout(() => {
      if (done) return;
      done = true;
      callback({ code: grpc.status.DEADLINE_EXCEEDED, details: `no message for ${handlers.streamIdleTimeoutMillis} ms` });
    }, handlers.streamIdleTimeoutMillis);
    idle.unref();
    const stop = (): void => {
      done = true;
      clearTimeout(idle);
    };
    call.on('data', (message: Decoded) => {
      if (done) return;
      idle.refresh();
      handlers.onLog(message.value, message.bytes);
    });
    call.on('end', () => {
      if (done) return;
      stop();
      callback(null, { commands: [] });
    });
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('error', stop);
  };
  server.addService(definition as unknown as grpc.ServiceDefinition, { collect: onCollect });
}
