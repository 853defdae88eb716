import { DatabaseTimeoutError } from '../src/db/database';
import { DatabaseUnavailableError, isInfrastructureError, RedisUnavailableError } from '../src/runtime/infrastructure-errors';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });
const named = (message: string, name: string): Error => Object.assign(new Error(message), { name });

describe('isInfrastructureError', () => {
  describe('true for an unreachable or restarting PostgreSQL or Redis', () => {
    test('ECONNREFUSED', () => {
      expect(isInfrastructureError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    });

    test('ECONNREFUSED as the AggregateError Node raises when every address refuses', () => {
      const error = Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:6379', 'ECONNREFUSED')], ''), {
        code: 'ECONNREFUSED',
      });
      expect(isInfrastructureError(error)).toBe(true);
    });

    test.each(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])('network code %s', (code) => {
      expect(isInfrastructureError(withCode(`socket error ${code}`, code))).toBe(true);
    });

    test('pg 57P01 admin_shutdown', () => {
      expect(
        isInfrastructureError(withCode('terminating connection due to administrator command', '57P01')),
      ).toBe(true);
    });

    test.each(['57P02', '57P03', '08006', '53300'])('pg code %s', (code) => {
      expect(isInfrastructureError(withCode('pg unavailable', code))).toBe(true);
    });

    test('KnexTimeoutError by name', () => {
      expect(isInfrastructureError(named('Knex: Timeout acquiring a connection. The pool is probably full.', 'KnexTimeoutError'))).toBe(true);
      expect(isInfrastructureError(named('timed out', 'KnexTimeoutError'))).toBe(true);
    });

    test('ioredis MaxRetriesPerRequestError by name', () => {
      expect(isInfrastructureError(named('retries exhausted', 'MaxRetriesPerRequestError'))).toBe(true);
    });

    test('ioredis ClusterAllFailedError by name', () => {
      expect(isInfrastructureError(named('Failed to refresh slots cache.', 'ClusterAllFailedError'))).toBe(true);
    });

    test("the adapters' named classes (makeDb, makeRedis wrap pg's and ioredis' bare connection Errors into them)", () => {
      expect(isInfrastructureError(new DatabaseUnavailableError('PostgreSQL connection lost: Connection terminated unexpectedly'))).toBe(true);
      expect(isInfrastructureError(new RedisUnavailableError('Connection is closed.'))).toBe(true);
    });

    test('a time limit ran out (DATABASE_TIMEOUT_MS)', () => {
      expect(isInfrastructureError(new DatabaseTimeoutError(2000))).toBe(true);
      expect(isInfrastructureError(withCode('canceling statement due to statement timeout', '57014'))).toBe(true);
    });
  });

  describe('false for bugs, bad requests and non-errors', () => {
    test('a TypeError', () => {
      expect(isInfrastructureError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    });

    test('a pg 23505 unique violation', () => {
      const error = Object.assign(new Error('duplicate key value violates unique constraint "operators_username_unique"'), {
        code: '23505',
        detail: 'Key (username)=(li.wei) already exists.',
      });
      expect(isInfrastructureError(error)).toBe(false);
    });

    test('a pg 23503 foreign key violation', () => {
      expect(isInfrastructureError(withCode('insert violates foreign key constraint', '23503'))).toBe(false);
    });

    test('a string, even one that looks like a connection error', () => {
      expect(isInfrastructureError('ECONNREFUSED')).toBe(false);
      expect(isInfrastructureError('Connection terminated unexpectedly')).toBe(false);
    });

    test.each([undefined, null, 0, {}, []])('%p', (value) => {
      expect(isInfrastructureError(value)).toBe(false);
    });

    test('a plain Error with an unrelated message', () => {
      expect(isInfrastructureError(new Error('operator 7 of claim 3 is missing'))).toBe(false);
    });

    test('a plain Error is never judged by its message, even one a client uses for a lost connection', () => {
      expect(isInfrastructureError(new Error('Connection terminated unexpectedly'))).toBe(false);
      expect(isInfrastructureError(new Error('Connection is closed.'))).toBe(false);
      expect(isInfrastructureError(new Error('timeout expired'))).toBe(false);
    });

    test('a non-string code is ignored', () => {
      expect(isInfrastructureError(Object.assign(new Error('boom'), { code: 57 }))).toBe(false);
    });
  });
});
