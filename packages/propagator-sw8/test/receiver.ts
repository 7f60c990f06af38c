// A minimal receiver for the SkyWalking collect protocol, so that this package's interop test does
// not depend on the collector package: it stores segments and answers like the OAP.
import * as grpc from '@grpc/grpc-js';
import { managementService, traceSegmentReportService, type SegmentObject } from '@otel-skywalking/core/protocol';

export interface SegmentReceiver {
  address: string;
  segments: SegmentObject[];
  waitFor(predicate: (segment: SegmentObject) => boolean, timeoutMs: number): Promise<SegmentObject>;
  close(): Promise<void>;
}

export async function startSegmentReceiver(): Promise<SegmentReceiver> {
  const server = new grpc.Server();
  const segments: SegmentObject[] = [];
  const reply = (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, { commands: [] });
  server.addService(traceSegmentReportService() as unknown as grpc.ServiceDefinition, {
    collect: (call: grpc.ServerReadableStream<SegmentObject, object>, callback: grpc.sendUnaryData<object>) => {
      call.on('data', (segment: SegmentObject) => segments.push(segment));
      call.on('end', () => callback(null, { commands: [] }));
      call.on('error', () => undefined);
    },
    collectInSync: reply,
  });
  server.addService(managementService() as unknown as grpc.ServiceDefinition, {
    reportInstanceProperties: reply,
    keepAlive: reply,
  });
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? fail(err) : done(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    segments,
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = segments.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching segment among ${segments.length} received`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise((done) => server.tryShutdown(() => done())),
  };
}
