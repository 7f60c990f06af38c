/** Real gRPC clients built from our own protocol definitions, and segment builders for tests. */
import * as grpc from '@grpc/grpc-js';
import {
  logReportService,
  managementService,
  meterReportService,
  RefType,
  SpanLayer,
  SpanType,
  traceSegmentReportService,
  type Commands,
  type InstancePingPkg,
  type InstanceProperties,
  type LogData,
  type MeterData,
  type SegmentCollection,
  type SegmentObject,
  type SegmentReference,
  type SpanObject,
} from '@otel-skywalking/core/protocol';

export const T0 = 1_700_000_000_000;

export function span(fields: Partial<SpanObject> & { spanId: number }): SpanObject {
  return {
    parentSpanId: fields.spanId === 0 ? -1 : 0,
    startTime: T0 + fields.spanId,
    endTime: T0 + 100,
    refs: [],
    operationName: `op-${fields.spanId}`,
    peer: '',
    spanType: SpanType.Local,
    spanLayer: SpanLayer.Unknown,
    componentId: 0,
    isError: false,
    tags: [],
    logs: [],
    skipAnalysis: false,
    ...fields,
  };
}

export function segment(fields: Partial<SegmentObject> & { spans: SpanObject[] }): SegmentObject {
  return {
    traceId: 'trace-1',
    traceSegmentId: 'seg-1',
    service: 'svc',
    serviceInstance: 'svc-1',
    isSizeLimited: false,
    ...fields,
  };
}

export function ref(fields: Partial<SegmentReference>): SegmentReference {
  return {
    refType: RefType.CrossProcess,
    traceId: 'trace-1',
    parentTraceSegmentId: 'seg-a',
    parentSpanId: 1,
    parentService: 'a',
    parentServiceInstance: 'a-1',
    parentEndpoint: 'GET:/a',
    networkAddressUsedAtPeer: 'b:8080',
    ...fields,
  };
}

/**
 * A two-service trace as a correct agent reports it: service a (entry GET:/a, exit to b:8080) calls
 * service b (entry GET:/b with a CrossProcess ref, exit to the database db:5432).
 */
export function twoServiceTrace(traceId = 'trace-1', prefix = ''): [SegmentObject, SegmentObject] {
  const a = segment({
    traceId,
    traceSegmentId: `${prefix}seg-a`,
    service: 'a',
    serviceInstance: 'a-1',
    spans: [
      span({ spanId: 0, spanType: SpanType.Entry, spanLayer: SpanLayer.Http, componentId: 49, operationName: 'GET:/a', peer: '10.0.0.1:5000', startTime: T0, endTime: T0 + 50 }),
      span({ spanId: 1, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.Http, componentId: 2, operationName: 'GET:/b', peer: 'b:8080', startTime: T0 + 5, endTime: T0 + 40 }),
    ],
  });
  const b = segment({
    traceId,
    traceSegmentId: `${prefix}seg-b`,
    service: 'b',
    serviceInstance: 'b-1',
    spans: [
      span({
        spanId: 0,
        spanType: SpanType.Entry,
        spanLayer: SpanLayer.Http,
        componentId: 49,
        operationName: 'GET:/b',
        startTime: T0 + 10,
        endTime: T0 + 35,
        refs: [ref({ traceId, parentTraceSegmentId: `${prefix}seg-a` })],
      }),
      span({ spanId: 1, parentSpanId: 0, spanType: SpanType.Exit, spanLayer: SpanLayer.Database, componentId: 22, operationName: 'pg/query', peer: 'db:5432', startTime: T0 + 12, endTime: T0 + 20 }),
    ],
  });
  return [a, b];
}

type TraceClient = grpc.Client & {
  collect(metadata: grpc.Metadata, callback: grpc.requestCallback<Commands>): grpc.ClientWritableStream<SegmentObject>;
  collectInSync(request: SegmentCollection, metadata: grpc.Metadata, callback: grpc.requestCallback<Commands>): grpc.ClientUnaryCall;
};
type ManagementClient = grpc.Client & {
  reportInstanceProperties(request: InstanceProperties, metadata: grpc.Metadata, callback: grpc.requestCallback<Commands>): grpc.ClientUnaryCall;
  keepAlive(request: InstancePingPkg, metadata: grpc.Metadata, callback: grpc.requestCallback<Commands>): grpc.ClientUnaryCall;
};

export interface ClientOptions {
  compat?: boolean;
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

export function traceClient(address: string, options: ClientOptions = {}): TraceClient {
  const Ctor = grpc.makeGenericClientConstructor(traceSegmentReportService(options.compat) as unknown as grpc.ServiceDefinition, 'TraceSegmentReportService');
  return new Ctor(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions) as unknown as TraceClient;
}

export function managementClient(address: string, options: ClientOptions = {}): ManagementClient {
  const Ctor = grpc.makeGenericClientConstructor(managementService(options.compat) as unknown as grpc.ServiceDefinition, 'ManagementService');
  return new Ctor(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions) as unknown as ManagementClient;
}

export function metadata(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('Authentication', token);
  return md;
}

/** Streams segments over one collect call, half-closes, and resolves with the Commands answer. */
export function collect(client: TraceClient, segments: SegmentObject[], token?: string): Promise<Commands> {
  return new Promise((resolve, reject) => {
    const call = client.collect(metadata(token), (err, res) => (err ? reject(err) : resolve(res as Commands)));
    for (const s of segments) call.write(s);
    call.end();
  });
}

export function collectInSync(client: TraceClient, segments: SegmentObject[], token?: string): Promise<Commands> {
  return new Promise((resolve, reject) => {
    client.collectInSync({ segments }, metadata(token), (err, res) => (err ? reject(err) : resolve(res as Commands)));
  });
}

export function unary<Req>(
  fn: (req: Req, md: grpc.Metadata, cb: grpc.requestCallback<Commands>) => grpc.ClientUnaryCall,
  request: Req,
  token?: string,
): Promise<Commands> {
  return new Promise((resolve, reject) => {
    fn(request, metadata(token), (err, res) => (err ? reject(err) : resolve(res as Commands)));
  });
}

/** The gRPC status code of a rejected promise. */
export async function statusOf(promise: Promise<unknown>): Promise<grpc.status> {
  try {
    await promise;
  } catch (err) {
    return (err as grpc.ServiceError).code;
  }
  throw new Error('the call succeeded');
}

export interface MeterClient extends grpc.Client {
  collect(md: grpc.Metadata, cb: grpc.requestCallback<Commands>): grpc.ClientWritableStream<MeterData>;
  collectBatch(md: grpc.Metadata, cb: grpc.requestCallback<Commands>): grpc.ClientWritableStream<{ meterData: MeterData[] }>;
}

export function meterClient(address: string, compat = false): MeterClient {
  const Ctor = grpc.makeGenericClientConstructor(meterReportService(compat) as unknown as grpc.ServiceDefinition, 'MeterReportService');
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as MeterClient;
}

/** Streams one meter report over one collect call and resolves with the Commands answer. */
export function sendMeters(client: MeterClient, report: MeterData[]): Promise<Commands> {
  return new Promise((resolve, reject) => {
    const call = client.collect(metadata(), (err, res) => (err ? reject(err) : resolve(res as Commands)));
    for (const m of report) call.write(m);
    call.end();
  });
}

export function singleMeter(name: string, value: number, labels: Record<string, string> = {}): MeterData {
  return { singleValue: { name, value, labels: Object.entries(labels).map(([n, v]) => ({ name: n, value: v })) } };
}

/** A report as agents send it: the first MeterData names service, instance and time. */
export function meterReport(service: string, instance: string, meters: MeterData[], timestamp = Date.now()): MeterData[] {
  return [{ ...meters[0], service, serviceInstance: instance, timestamp }, ...meters.slice(1)];
}

export type LogClient = grpc.Client & {
  collect(metadata: grpc.Metadata, callback: grpc.requestCallback<Commands>): grpc.ClientWritableStream<LogData>;
};

export function logClient(address: string): LogClient {
  const Ctor = grpc.makeGenericClientConstructor(logReportService() as unknown as grpc.ServiceDefinition, 'LogReportService');
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as LogClient;
}

export function sendLogs(client: LogClient, logs: LogData[], token?: string): Promise<Commands> {
  return new Promise((resolve, reject) => {
    const call = client.collect(metadata(token), (err, res) => (err ? reject(err) : resolve(res as Commands)));
    for (const log of logs) call.write(log);
    call.end();
  });
}
