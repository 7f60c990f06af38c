/** The pure pieces: options and SW_MONGO_* variables, failure descriptions, endpoints, command facts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectionName, commandName, isDriverCommand, spanName } from '../src/commands';
import { endpointOf, rememberEndpoint } from '../src/endpoints';
import { failureOfError, failureOfReply } from '../src/failures';
import { DEFAULT_MAX_QUERY_TEXT_LENGTH, resolveSettings } from '../src/settings';
import type { MongoDBInstrumentationConfig } from '../src';

describe('resolveSettings', () => {
  it('defaults to sanitized text of 2048 characters, no hooks, no parent required', () => {
    assert.deepEqual(resolveSettings({}, {}), {
      sanitize: true,
      serializer: undefined,
      maxQueryTextLength: DEFAULT_MAX_QUERY_TEXT_LENGTH,
      responseHook: undefined,
      requireParentSpan: false,
    });
    assert.equal(DEFAULT_MAX_QUERY_TEXT_LENGTH, 2048);
  });

  it('reads SW_MONGO_TRACE_PARAMETERS and SW_MONGO_PARAMETERS_MAX_LENGTH like the SkyWalking Node agent', () => {
    const env = { SW_MONGO_TRACE_PARAMETERS: 'TRUE', SW_MONGO_PARAMETERS_MAX_LENGTH: ' 512 ' };
    const settings = resolveSettings({}, env);
    assert.equal(settings.sanitize, false);
    assert.equal(settings.maxQueryTextLength, 512);
  });

  it('lets options win over the variables', () => {
    const env = { SW_MONGO_TRACE_PARAMETERS: 'true', SW_MONGO_PARAMETERS_MAX_LENGTH: '512' };
    const settings = resolveSettings({ enhancedDatabaseReporting: false, maxQueryTextLength: 100 }, env);
    assert.equal(settings.sanitize, true);
    assert.equal(settings.maxQueryTextLength, 100);
  });

  it('ignores invalid values and keeps the defaults', () => {
    const config = {
      enhancedDatabaseReporting: 'yes',
      maxQueryTextLength: -1,
      responseHook: 'not a function',
      dbStatementSerializer: 42,
      requireParentSpan: 1,
    } as unknown as MongoDBInstrumentationConfig;
    const settings = resolveSettings(config, { SW_MONGO_TRACE_PARAMETERS: 'maybe', SW_MONGO_PARAMETERS_MAX_LENGTH: '1e3x' });
    assert.deepEqual(settings, resolveSettings({}, {}));
    assert.equal(resolveSettings({ maxQueryTextLength: 1.5 }, {}).maxQueryTextLength, DEFAULT_MAX_QUERY_TEXT_LENGTH);
    assert.equal(resolveSettings({}, { SW_MONGO_PARAMETERS_MAX_LENGTH: '0' }).maxQueryTextLength, 0);
  });
});

describe('failureOfError', () => {
  it('uses the server code for error.type and db.response.status_code', () => {
    class MongoServerError extends Error {
      override name = 'MongoServerError';
      code = 11000;
    }
    const error = new MongoServerError('E11000 duplicate key error');
    assert.deepEqual(failureOfError(error), {
      type: '11000',
      statusCode: '11000',
      message: 'E11000 duplicate key error',
      exception: error,
    });
  });

  it('uses the class name when no server answered', () => {
    class MongoNetworkError extends Error {
      override name = 'MongoNetworkError';
    }
    const failure = failureOfError(new MongoNetworkError('connection 3 closed'));
    assert.equal(failure.type, 'MongoNetworkError');
    assert.equal(failure.statusCode, undefined);
    assert.equal(failureOfError('a string').type, 'string');
    assert.equal(failureOfError({ code: 'ECONNRESET' }).statusCode, undefined);
  });
});

describe('failureOfReply', () => {
  it('finds write errors and write concern errors in ok replies', () => {
    const duplicate = failureOfReply({ ok: 1, n: 0, writeErrors: [{ index: 0, code: 11000, errmsg: 'E11000 dup' }] }, 'insert');
    assert.equal(duplicate?.type, '11000');
    assert.equal(duplicate?.message, 'E11000 dup');
    assert.deepEqual(duplicate?.exception, { name: 'WriteError', message: 'E11000 dup', code: '11000' });
    assert.equal(failureOfReply({ ok: 1, writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' } }, 'update')?.statusCode, '64');
    assert.equal(failureOfReply({ ok: 1, n: 1 }, 'insert'), undefined);
    assert.equal(failureOfReply({ ok: 1, writeErrors: [] }, 'delete'), undefined);
    assert.equal(failureOfReply(undefined, 'insert'), undefined);
  });

  it('parses a lazy reply only when it holds a failure', () => {
    let parsed = 0;
    const lazy = (fields: Record<string, unknown>) => ({
      has: (name: string) => name in fields,
      toObject: () => {
        parsed++;
        return fields;
      },
    });
    assert.equal(failureOfReply(lazy({ ok: 1, cursor: {} }), 'aggregate'), undefined);
    assert.equal(failureOfReply(lazy({ ok: 1, cursor: {}, writeErrors: [{ code: 1 }] }), 'find'), undefined, 'cursor replies are not inspected');
    assert.equal(parsed, 0);
    assert.equal(failureOfReply(lazy({ ok: 1, writeErrors: [{ code: 121, errmsg: 'validation' }] }), 'delete')?.type, '121');
    assert.equal(parsed, 1);
  });
});

describe('endpoints', () => {
  it('prefers the configured host over the socket address', () => {
    const connection = { address: '10.0.0.5:27017' };
    rememberEndpoint(connection, { hostAddress: { host: 'mongo.internal', port: 27017 } });
    assert.deepEqual(endpointOf(connection), { address: 'mongo.internal', port: 27017 });
  });

  it('reads IPv6 and socket paths, and falls back to the socket address', () => {
    const v6 = {};
    rememberEndpoint(v6, { hostAddress: { host: '[::1]', port: 27018 } });
    assert.deepEqual(endpointOf(v6), { address: '::1', port: 27018 });
    const unix = {};
    rememberEndpoint(unix, { hostAddress: { socketPath: '/tmp/mongodb-27017.sock' } });
    assert.deepEqual(endpointOf(unix), { address: '/tmp/mongodb-27017.sock', port: undefined });
    assert.deepEqual(endpointOf({ address: '[fe80::1]:27019' }), { address: 'fe80::1', port: 27019 });
    assert.deepEqual(endpointOf({ address: '127.0.0.1:27017' }), { address: '127.0.0.1', port: 27017 });
    assert.deepEqual(endpointOf({ address: 'a1b2c3' }), { address: 'a1b2c3', port: undefined });
    assert.deepEqual(endpointOf({}), { address: undefined, port: undefined });
    rememberEndpoint(undefined, { hostAddress: { host: 'x' } });
    rememberEndpoint({}, null);
  });
});

describe('command facts', () => {
  it('names commands and their collections', () => {
    assert.equal(commandName({ find: 'users', filter: {} }), 'find');
    assert.equal(commandName({}), undefined);
    assert.equal(collectionName({ find: 'users' }, 'find'), 'users');
    assert.equal(collectionName({ getMore: 5n, collection: 'users' }, 'getMore'), 'users');
    assert.equal(collectionName({ aggregate: 1, pipeline: [] }, 'aggregate'), undefined);
    assert.equal(collectionName({ commitTransaction: 1 }, 'commitTransaction'), undefined);
    assert.equal(spanName('find', 'users', 'app'), 'find users');
    assert.equal(spanName('commitTransaction', undefined, 'admin'), 'commitTransaction admin');
    assert.equal(spanName('ping', undefined, undefined), 'ping');
  });

  it("knows the driver's own handshake and monitoring commands", () => {
    for (const name of ['hello', 'ismaster', 'isMaster', 'saslStart', 'saslContinue']) assert.ok(isDriverCommand(name), name);
    for (const name of ['find', 'ping', 'endSessions', 'getMore']) assert.ok(!isDriverCommand(name), name);
  });
});
