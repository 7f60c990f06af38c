/** Instrumentation scope name and version (kept equal to package.json). */
export const PACKAGE_NAME = '@otel-skywalking/instrumentation-mongodb';
export const PACKAGE_VERSION = '0.1.0';
