// The packages that name themselves at run time (the gRPC user agent, a meter's version, an
// instrumentation scope) do it from src/version.ts, a constant, rather than reading package.json at
// run time. This test keeps every such constant equal to its package.json: bump one without the
// other and it fails, naming the file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '../..');
const PACKAGES = join(ROOT, 'packages');

interface VersionModule {
  VERSION?: unknown;
  PACKAGE_VERSION?: unknown;
  PACKAGE_NAME?: unknown;
}

/** Every package with a src/version.ts, with its package.json and its compiled version module. */
function packagesWithVersionFile(): Array<{ dir: string; json: { name: string; version: string }; module: VersionModule }> {
  return readdirSync(PACKAGES)
    .filter((dir) => existsSync(join(PACKAGES, dir, 'src', 'version.ts')))
    .map((dir) => ({
      dir,
      json: JSON.parse(readFileSync(join(PACKAGES, dir, 'package.json'), 'utf8')) as { name: string; version: string },
      module: require(join(PACKAGES, dir, 'build', 'src', 'version.js')) as VersionModule,
    }));
}

describe('src/version.ts', () => {
  it('says the version (and name, where it has one) of its package.json, in every package that has one', () => {
    const found = packagesWithVersionFile();
    // exporter, instrumentation-amqplib, instrumentation-http, instrumentation-mongodb at least: an
    // empty list would pass the checks below without checking anything
    assert.ok(found.length >= 4, `only ${found.length} packages with src/version.ts found`);
    for (const { dir, json, module } of found) {
      const version = module.PACKAGE_VERSION ?? module.VERSION;
      assert.equal(version, json.version, `packages/${dir}/src/version.ts says ${String(version)}, its package.json ${json.version}`);
      if (module.PACKAGE_NAME !== undefined) {
        assert.equal(module.PACKAGE_NAME, json.name, `packages/${dir}/src/version.ts names ${String(module.PACKAGE_NAME)}, its package.json ${json.name}`);
      }
    }
  });

  it('is the instrumentation scope of the spans of every instrumentation package', () => {
    const instrumentations = readdirSync(PACKAGES).filter((dir) => dir.startsWith('instrumentation-'));
    assert.ok(instrumentations.length >= 3, `only ${instrumentations.length} instrumentation packages found`);
    for (const dir of instrumentations) {
      const json = JSON.parse(readFileSync(join(PACKAGES, dir, 'package.json'), 'utf8')) as { name: string; version: string };
      const index = require(join(PACKAGES, dir, 'build', 'src', 'index.js')) as Record<string, unknown>;
      const classes = Object.entries(index).filter(([name, value]) => name.endsWith('Instrumentation') && typeof value === 'function');
      assert.equal(classes.length, 1, `packages/${dir} exports ${classes.length} *Instrumentation classes`);
      const Instrumentation = classes[0][1] as new (config: { enabled: boolean }) => { instrumentationName: string; instrumentationVersion: string };
      const instrumentation = new Instrumentation({ enabled: false });
      assert.equal(instrumentation.instrumentationName, json.name, `packages/${dir}'s scope name`);
      assert.equal(instrumentation.instrumentationVersion, json.version, `packages/${dir}'s scope version`);
    }
  });
});
