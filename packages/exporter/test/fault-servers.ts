/**
 * Collectors that misbehave, on real sockets: refusing, accepting and never reading, answering
 * gRPC error statuses, closing mid-stream, answering garbage.
 */
import * as http2 from 'node:http2';
import { createServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { managementService, traceSegmentReportService } from '@otel-skywalking/core/protocol';

export interface FaultServer {
  /** `127.0.0.1:port` */
  address: string;
  port: number;
  close(): Promise<void>;
}

async function reservePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Nothing listens: every connection attempt is refused. */
export async function refusingServer(): Promise<FaultServer> {
  const port = await reservePort();
  return { address: `127.0.0.1:${port}`, port, close: async () => {} };
}

/** A TCP server that takes connections and data into its kernel buffers but never reads or answers. */
export async function silentServer(): Promise<FaultServer> {
  return tcpServer((socket) => socket.pause());
}

/** Answers every connection with random bytes, then closes it. */
export async function tcpGarbageServer(): Promise<FaultServer> {
  return tcpServer((socket) => {
    socket.on('error', () => {});
    socket.end(Buffer.from('HTTP/1.1 418 garbage\r\n\r\n\x00\xff\x13\x37'.repeat(16), 'latin1'));
  });
}

async function tcpServer(onConnection: (socket: Socket) => void): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A real gRPC server whose every call ends with `code` (UNAVAILABLE, UNAUTHENTICATED, RESOURCE_EXHAUSTED). */
export async function statusServer(code: grpc.status): Promise<FaultServer> {
  const server = new grpc.Server();
  const fail = (_call: unknown, callback: grpc.sendUnaryData<unknown>): void => {
    callback({ code, details: `fault server answers ${grpc.status[code]}` });
  };
  server.addService(
    { ...traceSegmentReportService(), ...managementService() } as unknown as grpc.ServiceDefinition,
    { collect: fail, collectInSync: fail, reportInstanceProperties: fail, keepAlive: fail },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

/** An HTTP/2 server that accepts calls and never reads them: flow control stalls the client's writes. */
export async function stallingServer(): Promise<FaultServer> {
  return http2Server((stream) => stream.pause());
}

/**
 * An HTTP/2 server that reads every call and answers it only after `delayMs` (the OAP under
 * load): calls are in flight when the app shuts down.
 */
export async function slowServer(delayMs = 60_000): Promise<FaultServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = await http2Server((stream) => {
    stream.on('data', () => {});
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5));
    }, delayMs);
    timers.add(timer);
  });
  return {
    ...server,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
  };
}

/** An HTTP/2 server that starts answering a call, then drops the connection once data arrives. */
export async function midStreamCloser(): Promise<FaultServer> {
  return http2Server((stream) => {
    stream.once('data', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      setImmediate(() => stream.session?.destroy());
    });
  });
}

/** An HTTP/2 server that answers every call with a gRPC frame that is not a valid Commands message. */
export async function garbageServer(): Promise<FaultServer> {
  return http2Server((stream) => {
    stream.on('data', () => {});
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const body = Buffer.alloc(64, 0xff); // field 31 with wire type 7: no protobuf decoder accepts it
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    stream.end(frame);
  });
}

async function http2Server(onStream: (stream: http2.ServerHttp2Stream) => void): Promise<FaultServer> {
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    onStream(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
