/** Instrumentation scope name and version. */
export const PACKAGE_NAME = '@otel-skywalking/instrumentation-mongodb';
export const PACKAGE_VERSION = '0.1.0';
// Equal to package.json's name and version: test/package-versions.test.ts fails otherwise.
