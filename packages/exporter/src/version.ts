/** This package's version, sent as the gRPC user agent and as the meter version. */
export const VERSION = '0.1.0';
// Equal to package.json's name and version: test/package-versions.test.ts fails otherwise.
