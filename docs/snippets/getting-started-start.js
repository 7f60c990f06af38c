// first lines of your entry point, before the libraries you want traced are loaded
const { start } = require('@otel-skywalking/node');

const shutdown = start({
  serviceName: 'orders',
  exporter: { collector: ['oap-1:11800', 'oap-2:11800'], authentication: process.env.OAP_TOKEN },
  sampler: { samplePer3Secs: 100, ignorePaths: ['/health', '/metrics/**'] },
  instrumentations: { express: false },
});

process.on('SIGTERM', () => shutdown().then(() => process.exit(0)));
