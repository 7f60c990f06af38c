/** Instrumentation scope of the spans this package creates. */
export const PACKAGE_NAME = '@otel-skywalking/instrumentation-amqplib';
export const PACKAGE_VERSION = '0.1.0';
// Equal to package.json's name and version: test/package-versions.test.ts fails otherwise.
