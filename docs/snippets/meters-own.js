const { metrics } = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { SkyWalkingMetricExporter, startNodeRuntimeMeters } = require('@otel-skywalking/exporter-metrics');

const exporter = new SkyWalkingMetricExporter(); // SW_AGENT_COLLECTOR_BACKEND_SERVICES, else 127.0.0.1:11800
const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'checkout-1' }),
  readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 20_000 })],
});
metrics.setGlobalMeterProvider(provider);
const stopRuntimeMeters = startNodeRuntimeMeters(provider); // instance_nodejs_*: the instance dashboard

const meter = metrics.getMeter('checkout');
const orders = meter.createCounter('checkout.orders'); // reported as checkout_orders
const basket = meter.createHistogram('checkout.basket.size', { advice: { explicitBucketBoundaries: [1, 5, 10] } });
orders.add(1, { 'payment.method': 'card' }); // label payment_method=card
basket.record(3);
