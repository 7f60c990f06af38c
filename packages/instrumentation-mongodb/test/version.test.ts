/** The instrumentation scope names this package as package.json does (version.ts is kept by hand). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MongoDBInstrumentation } from '../src';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';

// Compiled to build/test: the package root is two levels up.
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

describe('version.ts', () => {
  it("equals package.json's name and version", () => {
    assert.equal(PACKAGE_NAME, manifest.name);
    assert.equal(PACKAGE_VERSION, manifest.version);
  });

  it('is the instrumentation scope of the spans', () => {
    const instrumentation = new MongoDBInstrumentation({ enabled: false });
    assert.equal(instrumentation.instrumentationName, manifest.name);
    assert.equal(instrumentation.instrumentationVersion, manifest.version);
  });
});
