import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { envNumber, nonEmpty, parseSwitch } from '../src/index';

describe('settings', () => {
  it('reads SW_* switches as the agents do and OTEL_* ones as true or false only', () => {
    for (const word of ['true', 'YES', 'on', '1']) assert.equal(parseSwitch('SW_AGENT_SECURE', word, false).value, true, word);
    for (const word of ['false', 'No', 'off', '0']) assert.equal(parseSwitch('SW_AGENT_SECURE', word, true).value, false, word);
    assert.deepEqual(parseSwitch('OTEL_SDK_DISABLED', 'TRUE', false), { value: true });
    const loose = parseSwitch('OTEL_SDK_DISABLED', 'yes', false);
    assert.equal(loose.value, false);
    assert.equal(loose.problem, 'OTEL_SDK_DISABLED="yes" is not true or false; using false');
  });

  it('gives the fallback for unset or blank switches, and the fallback with a problem naming the variable for others', () => {
    assert.deepEqual(parseSwitch('SW_DISABLE', undefined, true), { value: true });
    assert.deepEqual(parseSwitch('SW_DISABLE', '  ', false), { value: false });
    const bad = parseSwitch('SW_DISABLE', ' maybe ', true);
    assert.equal(bad.value, true);
    assert.match(bad.problem ?? '', /^SW_DISABLE="maybe" is not true or false \(or yes\/no, on\/off, 1\/0\); using true$/);
  });

  it('reads finite numbers only, reporting a bad variable once', () => {
    const warnings: string[] = [];
    diag.setLogger({ warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    try {
      assert.equal(envNumber({ N: ' 42 ' }, 'N'), 42);
      assert.equal(envNumber({ N: '' }, 'N'), undefined);
      assert.equal(envNumber({ SETTINGS_TEST_INF: 'Infinity' }, 'SETTINGS_TEST_INF'), undefined);
      assert.equal(envNumber({ SETTINGS_TEST_INF: 'Infinity' }, 'SETTINGS_TEST_INF'), undefined);
      assert.deepEqual(warnings, ['otel-skywalking: SETTINGS_TEST_INF="Infinity" is not a finite number; it is ignored']);
    } finally {
      diag.disable();
    }
    assert.equal(nonEmpty('  x '), 'x');
    assert.equal(nonEmpty(3), undefined);
  });
});
