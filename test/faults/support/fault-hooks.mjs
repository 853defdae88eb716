// @ts-check
/**
 * Test-only faults, preloaded into an API or worker process of the fault tests with
 * `NODE_OPTIONS=--import …/fault-hooks.mjs` (see `faultEnv` in world.ts); the service has no switch for
 * them. Like bench/probe.ts it wraps node-pg's `Client.prototype.query`, through which knex sends every
 * statement (BEGIN and COMMIT included). Plain JavaScript: a TypeScript module in NODE_OPTIONS would
 * load before tsx, which the command line registers.
 *
 * - `FAULT_KILL_API_AFTER_STORED_CLAIMS=N`: the process SIGKILLs itself when the transaction that stores
 *   its Nth claim commits, before knex sees the COMMIT: the batch is stored, never answered, never enqueued.
 * - `FAULT_CLAIM_TX_DELAY_MS=D`: each claim transaction is held D ms once it holds its operator locks (the
 *   last locks a decision takes), as if the worker stalled with every lock taken.
 */
import { setTimeout } from 'node:timers';
import pg from 'pg';

const positive = (name) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
};
const killAfterStoredClaims = positive('FAULT_KILL_API_AFTER_STORED_CLAIMS');
const claimTxDelayMs = positive('FAULT_CLAIM_TX_DELAY_MS');

const STORES_CLAIMS = /^\s*INSERT INTO claim_requests\b/i;
const LOCKS_OPERATORS = /\bfrom "operators"[^;]*\bfor (no key )?update\b/i;
const COMMIT = /^\s*COMMIT\b/i;
const ROLLBACK = /^\s*ROLLBACK\s*;?\s*$/i;

if (killAfterStoredClaims !== undefined || claimTxDelayMs !== undefined) {
  /** claims inserted by each connection's open transaction */
  const uncommitted = new WeakMap();
  let stored = 0;

  /**
   * What happens once PostgreSQL answered `text` on `client`, before the caller hears of it:
   * `deliver` passes the answer on, later or never.
   */
  const onAnswer = (client, text, error, result, deliver) => {
    if (error) return deliver();
    if (STORES_CLAIMS.test(text)) uncommitted.set(client, (uncommitted.get(client) ?? 0) + (result?.rowCount ?? 0));
    else if (ROLLBACK.test(text)) uncommitted.delete(client);
    else if (COMMIT.test(text)) {
      stored += uncommitted.get(client) ?? 0;
      uncommitted.delete(client);
      if (killAfterStoredClaims !== undefined && stored >= killAfterStoredClaims) return process.kill(process.pid, 'SIGKILL');
    } else if (claimTxDelayMs !== undefined && LOCKS_OPERATORS.test(text)) return void setTimeout(deliver, claimTxDelayMs);
    deliver();
  };

  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = /** @type {typeof original} */ (
    function query(...args) {
      const config = args[0];
      const text = typeof config === 'string' ? config : (config?.text ?? '');
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (error, result) => onAnswer(this, text, error, result, () => callback(error, result));
        return original.apply(this, args);
      }
      const answer = original.apply(this, args);
      if (!(answer instanceof Promise)) return answer;
      return answer.then(
        (result) => new Promise((resolve) => onAnswer(this, text, undefined, result, () => resolve(result))),
        (error) => Promise.reject(error),
      );
    }
  );
}
