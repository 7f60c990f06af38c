/** This package's version (the gRPC user agent's, in step with @otel-skywalking/exporter). */
export const VERSION = '0.1.0';
