import { trace } from '@opentelemetry/api';
import { SkyWalkingCollector } from '@otel-skywalking/collector';
import { start } from '@otel-skywalking/node';

const collector = new SkyWalkingCollector(); // 127.0.0.1, free ports
const { grpc } = await collector.start();
const shutdown = start({ serviceName: 'checkout', exporter: { collector: grpc } });
trace.getTracer('example').startActiveSpan('place-order', (span) => span.end());
await shutdown(); // flushes
const { segments } = await collector.waitFor((c) => c.traces()[0], 5000);
console.log(segments[0].service, collector.violations(), collector.topology());
await collector.close();
