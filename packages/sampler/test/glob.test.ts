import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globToRegExpSource } from '../src/glob';

function matches(glob: string, path: string): boolean {
  return new RegExp(`^(?:${globToRegExpSource(glob)})$`).test(path);
}

describe('SW_TRACE_IGNORE_PATH globs', () => {
  it('? is exactly one character other than /', () => {
    assert.equal(matches('/a?c', '/abc'), true);
    assert.equal(matches('/a?c', '/ac'), false);
    assert.equal(matches('/a?c', '/abbc'), false);
    assert.equal(matches('/a?c', '/a/c'), false);
  });

  it('* is a run (possibly empty) of characters other than /', () => {
    assert.equal(matches('/api/*', '/api/users'), true);
    assert.equal(matches('/api/*', '/api/'), true);
    assert.equal(matches('/api/*', '/api/users/1'), false);
    assert.equal(matches('/api/*/orders', '/api/7/orders'), true);
    assert.equal(matches('/api/*/orders', '/api/7/8/orders'), false);
    assert.equal(matches('/*.do', '/login.do'), true);
  });

  it('trailing /** is the directory and anything below it', () => {
    for (const path of ['/eureka', '/eureka/', '/eureka/apps', '/eureka/apps/x/y']) {
      assert.equal(matches('/eureka/**', path), true, path);
    }
    assert.equal(matches('/eureka/**', '/eurekas'), false);
    assert.equal(matches('/eureka/**', '/other/eureka/x'), false);
  });

  it('/**/ in the middle is zero or more whole parts', () => {
    assert.equal(matches('/a/**/b', '/a/b'), true);
    assert.equal(matches('/a/**/b', '/a/x/b'), true);
    assert.equal(matches('/a/**/b', '/a/x/y/z/b'), true);
    assert.equal(matches('/a/**/b', '/a/xb'), false);
    assert.equal(matches('/a/**/b', '/a/x/bc'), false);
  });

  it('leading **/ matches at any depth; a lone ** matches everything', () => {
    assert.equal(matches('**/health', '/health'), true);
    assert.equal(matches('**/health', '/k8s/probe/health'), true);
    assert.equal(matches('**/health', '/k8s/probe/healthz'), false);
    assert.equal(matches('**', '/any/thing'), true);
  });

  it('** glued to other characters crosses /', () => {
    assert.equal(matches('/static**.map', '/static/js/app.js.map'), true);
    assert.equal(matches('/static**.map', '/static/js/app.js'), false);
  });

  it('regular-expression characters in a glob are literal', () => {
    assert.equal(matches('/a.b(c)+[d]$', '/a.b(c)+[d]$'), true);
    assert.equal(matches('/a.b', '/axb'), false);
  });

  it('a glob without wildcards matches exactly itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).filter((s) => !/[*?]/.test(s)), fc.string({ maxLength: 40 }), (glob, other) => {
        assert.equal(matches(glob, glob), true);
        if (other !== glob) assert.equal(matches(glob, other), false);
      }),
    );
  });

  it('* never crosses a / (property)', () => {
    const part = fc.stringMatching(/^[a-z0-9.-]{0,8}$/);
    fc.assert(
      fc.property(part, part, (a, b) => {
        assert.equal(matches('/x/*', `/x/${a}`), true);
        assert.equal(matches('/x/*', `/x/${a}/${b}`), false);
        assert.equal(matches('/x/**', `/x/${a}/${b}`), true);
      }),
    );
  });
});
