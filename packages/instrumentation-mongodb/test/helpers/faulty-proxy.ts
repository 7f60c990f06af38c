import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the MongoDB server that cuts connections in the middle of a command:
 * after `dropRequestsContaining(marker, n)`, the next n requests whose bytes contain `marker`
 * (a collection name: BSON strings are sent as they are) are swallowed and both sockets
 * destroyed, so the driver sees a network error while it waits for the reply. Heartbeats and
 * other commands pass untouched.
 */
export class FaultyProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private toDrop = 0;
  private marker = Buffer.alloc(0);
  /** Requests swallowed so far. */
  dropped = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return address.port;
  }

  dropRequestsContaining(marker: string, count: number): void {
    this.marker = Buffer.from(marker);
    this.toDrop = count;
  }

  private accept(client: Socket): void {
    const upstream = createConnection(this.targetPort, this.targetHost);
    this.sockets.add(client).add(upstream);
    const destroy = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (this.toDrop > 0 && chunk.includes(this.marker)) {
        this.toDrop--;
        this.dropped++;
        destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', destroy).on('error', destroy);
    upstream.on('close', destroy).on('error', destroy);
    client.on('close', () => this.sockets.delete(client));
    upstream.on('close', () => this.sockets.delete(upstream));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}
