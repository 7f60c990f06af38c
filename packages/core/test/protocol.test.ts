import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProtocol, traceSegmentReportService, SpanLayer, SpanType, RefType, type SegmentObject } from '../src/protocol';

// The generated google-protobuf code inside SkyWalking's own Node.js agent: an independent decoder.
const swTracing = require('skywalking-backend-js/lib/proto/language-agent/Tracing_pb');

const segment: SegmentObject = {
  traceId: '56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001',
  traceSegmentId: '0af7651916cd43ddb7ad6b7169203331',
  service: 'orders',
  serviceInstance: 'orders-1@host',
  isSizeLimited: true,
  spans: [SpanType.Entry, SpanType.Exit, SpanType.Local].map((spanType, i) => ({
    spanId: i,
    parentSpanId: i - 1,
    startTime: 1716200000000 + i,
    endTime: 1716200000100 + i,
    refs: [RefType.CrossProcess, RefType.CrossThread].map((refType) => ({
      refType,
      traceId: 't' + i,
      parentTraceSegmentId: 'p' + i,
      parentSpanId: 7 + i,
      parentService: 'gateway',
      parentServiceInstance: 'gw-1',
      parentEndpoint: 'GET:/api',
      networkAddressUsedAtPeer: 'orders:8080',
    })),
    operationName: 'op' + i,
    peer: i === 1 ? 'db:27017' : '',
    spanType,
    spanLayer: [SpanLayer.Http, SpanLayer.Database, SpanLayer.FAAS][i],
    componentId: [49, 9, 0][i],
    isError: i === 1,
    tags: [{ key: 'http.method', value: 'GET' }, { key: 'k' + i, value: 'ü' }],
    logs: [{ time: 1716200000050, data: [{ key: 'event', value: 'error' }, { key: 'message', value: 'boom' }] }],
    skipAnalysis: i === 2,
  })),
};

describe('SkyWalking protocol definitions', () => {
  it('encode a full SegmentObject that SkyWalking’s generated code decodes field by field', () => {
    const bytes = traceSegmentReportService().collect.requestSerialize(segment);
    const decoded = swTracing.SegmentObject.deserializeBinary(new Uint8Array(bytes));
    assert.equal(decoded.getTraceid(), segment.traceId);
    assert.equal(decoded.getTracesegmentid(), segment.traceSegmentId);
    assert.equal(decoded.getService(), segment.service);
    assert.equal(decoded.getServiceinstance(), segment.serviceInstance);
    assert.equal(decoded.getIssizelimited(), true);
    const spans = decoded.getSpansList();
    assert.equal(spans.length, 3);
    spans.forEach((s: any, i: number) => {
      const want = segment.spans[i];
      assert.equal(s.getSpanid(), want.spanId);
      assert.equal(s.getParentspanid(), want.parentSpanId);
      assert.equal(s.getStarttime(), want.startTime);
      assert.equal(s.getEndtime(), want.endTime);
      assert.equal(s.getOperationname(), want.operationName);
      assert.equal(s.getPeer(), want.peer);
      assert.equal(s.getSpantype(), want.spanType);
      assert.equal(s.getSpanlayer(), want.spanLayer);
      assert.equal(s.getComponentid(), want.componentId);
      assert.equal(s.getIserror(), want.isError);
      assert.equal(s.getSkipanalysis(), want.skipAnalysis);
      assert.deepEqual(s.getTagsList().map((t: any) => [t.getKey(), t.getValue()]), want.tags.map((t) => [t.key, t.value]));
      const log = s.getLogsList()[0];
      assert.equal(log.getTime(), want.logs[0].time);
      assert.deepEqual(log.getDataList().map((t: any) => [t.getKey(), t.getValue()]), [['event', 'error'], ['message', 'boom']]);
      assert.equal(s.getRefsList().length, want.refs.length, 'every ref decoded (the loop below checks each)');
      s.getRefsList().forEach((r: any, j: number) => {
        const ref = want.refs[j];
        assert.equal(r.getReftype(), ref.refType);
        assert.equal(r.getTraceid(), ref.traceId);
        assert.equal(r.getParenttracesegmentid(), ref.parentTraceSegmentId);
        assert.equal(r.getParentspanid(), ref.parentSpanId);
        assert.equal(r.getParentservice(), ref.parentService);
        assert.equal(r.getParentserviceinstance(), ref.parentServiceInstance);
        assert.equal(r.getParentendpoint(), ref.parentEndpoint);
        assert.equal(r.getNetworkaddressusedatpeer(), ref.networkAddressUsedAtPeer);
      });
    });
  });

  it('decode what SkyWalking’s generated code encodes', () => {
    const msg = new swTracing.SegmentObject();
    msg.setTraceid('abc');
    msg.setService('svc');
    const span = new swTracing.SpanObject();
    span.setSpanid(0);
    span.setParentspanid(-1);
    span.setSpantype(swTracing.SpanType.EXIT);
    span.setSpanlayer(swTracing.SpanLayer.MQ);
    span.setStarttime(1716200000000);
    msg.addSpans(span);
    const decoded = traceSegmentReportService().collect.requestDeserialize(Buffer.from(msg.serializeBinary()));
    assert.equal(decoded.traceId, 'abc');
    assert.equal(decoded.spans[0].parentSpanId, -1);
    assert.equal(decoded.spans[0].spanType, SpanType.Exit);
    assert.equal(decoded.spans[0].spanLayer, SpanLayer.MQ);
    assert.equal(decoded.spans[0].startTime, 1716200000000);
  });

  it('serve the packaged and the deprecated unpackaged paths', () => {
    assert.equal(traceSegmentReportService().collect.path, '/skywalking.v3.TraceSegmentReportService/collect');
    assert.equal(traceSegmentReportService(true).collect.path, '/TraceSegmentReportService/collect');
    assert.ok(loadProtocol().root.lookupService('skywalking.v3.ManagementService'));
  });
});
