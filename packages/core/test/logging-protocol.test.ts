// Logging.proto's field numbers, checked against the generated code in SkyWalking's own Node.js
// agent (an independent encoder and decoder).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logReportService, type LogData } from '../src/protocol';

const swLogging = require('skywalking-backend-js/lib/proto/logging/Logging_pb');

const log: LogData = {
  timestamp: 1716200000123,
  service: 'orders',
  serviceInstance: 'orders-1@host',
  endpoint: 'GET:/orders',
  body: { text: { text: 'order 42 loaded' } },
  traceContext: { traceId: '0af7651916cd43ddb7ad6b7169203331', traceSegmentId: '0af7651916cd43dd00f067aa0ba902b7', spanId: 3 },
  tags: { data: [{ key: 'level', value: 'INFO' }] },
  layer: 'GENERAL',
};

describe('Logging.proto', () => {
  it('encodes LogData as the SkyWalking agent decodes it', () => {
    const bytes = logReportService().collect.requestSerialize(log);
    const decoded = swLogging.LogData.deserializeBinary(new Uint8Array(bytes));
    assert.equal(decoded.getTimestamp(), log.timestamp);
    assert.equal(decoded.getService(), 'orders');
    assert.equal(decoded.getServiceinstance(), 'orders-1@host');
    assert.equal(decoded.getEndpoint(), 'GET:/orders');
    assert.equal(decoded.getBody().getText().getText(), 'order 42 loaded');
    assert.equal(decoded.getTracecontext().getTraceid(), log.traceContext!.traceId);
    assert.equal(decoded.getTracecontext().getTracesegmentid(), log.traceContext!.traceSegmentId);
    assert.equal(decoded.getTracecontext().getSpanid(), 3);
    assert.equal(decoded.getTags().getDataList()[0].getValue(), 'INFO');
    assert.equal(decoded.getLayer(), 'GENERAL');
  });

  it('decodes what the SkyWalking agent encodes, a JSON body and no trace context', () => {
    const msg = new swLogging.LogData();
    msg.setService('svc');
    const body = new swLogging.LogDataBody();
    const json = new swLogging.JSONLog();
    json.setJson('{"a":1}');
    body.setJson(json);
    msg.setBody(body);
    const decoded = logReportService().collect.requestDeserialize(Buffer.from(msg.serializeBinary()));
    assert.equal(decoded.service, 'svc');
    assert.equal(decoded.body?.json?.json, '{"a":1}');
    assert.equal(decoded.traceContext, null, 'an absent trace context decodes as null');
  });
});
