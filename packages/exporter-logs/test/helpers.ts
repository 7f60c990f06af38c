/** Real sockets for the tests: a refused port, a TCP server that never answers, and a counting TCP proxy. */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TestServer {
  address: string;
  /** Connections accepted so far. */
  connections: () => number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

/** A port nothing listens on: every connection is refused. */
export async function refusedAddress(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Accepts connections and never reads or answers (the HTTP/2 handshake never completes). */
export async function silentServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.pause();
  });
  const port = await listen(server);
  return { address: `127.0.0.1:${port}`, connections: () => count, close: closer(server, sockets) };
}

/** Forwards every connection to `target` (`host:port`) and counts them. */
export async function countingProxy(target: string): Promise<TestServer> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((client) => {
    count++;
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  const listenPort = await listen(server);
  return { address: `127.0.0.1:${listenPort}`, connections: () => count, close: closer(server, sockets) };
}
