import { claimsRepo, operatorsRepo, tasksRepo, type ClaimRow, type Db, type TaskView } from '@taskclaim/shared/db';
import { makeGroupCommit } from '@taskclaim/shared/runtime';
import * as tokensRepo from '../db/tokens.repository';
import { makeExpiringMap } from '../expiring-map';

/**
 * Reads asked for in the same turn of the event loop go to PostgreSQL as one `WHERE key IN (…)`:
 * requests of a burst, and the waiters a worker's batch wakes together, share one statement
 * instead of one each (and one pool connection instead of one each). Each turn's batch goes at once,
 * never behind the one in flight (see makeGroupCommit's `maxInFlight`).
 */
export function makeBatchLoader<K, V>(loadMany: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  const loadBatch = async (keys: K[]) => {
    const values = await loadMany([...new Set(keys)]);
    return keys.map((key) => values.get(key));
  };
  return makeGroupCommit(loadBatch, { maxInFlight: Infinity });
}

/**
 * How long a token found active, or an operator's departments, are believed without asking again:
 * a revoked token, or one whose operator was deactivated, stops working within this (at once on
 * every API process that hears the admin's access change).
 */
const TOKEN_TRUST_MS = 500;
const MAX_CACHED_TOKENS = 10_000;

export interface BatchedReads {
  claim(id: number): Promise<ClaimRow | undefined>;
  taskView(id: number): Promise<TaskView | undefined>;
  /** the active token whose value this is (believed for TOKEN_TRUST_MS) */
  token(value: string): Promise<tokensRepo.ActiveToken | undefined>;
  /** the departments of an operator (believed for TOKEN_TRUST_MS): what an operator token may see */
  operatorDepartments(operatorId: number): Promise<number[]>;
  /** an admin changed tokens or operators: ask PostgreSQL again */
  forgetAccess(): void;
}

export function makeBatchedReads(db: Db, now: () => number = Date.now): BatchedReads {
  const tokenByHash = makeBatchLoader((hashes: string[]) => tokensRepo.findActiveTokensByHash(db, hashes));
  // Keyed by the token's value, so a request it already vouched for skips the hash too.
  const trusted = makeExpiringMap<string, tokensRepo.ActiveToken>({ capacity: MAX_CACHED_TOKENS, maxAgeMs: TOKEN_TRUST_MS, now });
  const departmentsOf = makeBatchLoader((ids: number[]) => operatorsRepo.departmentIdsOfOperators(db, ids));
  // Every already_claimed answer at shift start asks this of its operator: one read per operator a moment, not one per claim.
  const knownDepartments = makeExpiringMap<number, number[]>({ capacity: MAX_CACHED_TOKENS, maxAgeMs: TOKEN_TRUST_MS, now });
  return {
    claim: makeBatchLoader((ids: number[]) => claimsRepo.findClaims(db, ids)),
    taskView: makeBatchLoader((ids: number[]) => tasksRepo.findTaskViews(db, ids)),
    async token(value) {
      const hit = trusted.get(value);
      if (hit) return hit;
      const token = await tokenByHash(tokensRepo.hashToken(value));
      if (token) trusted.set(value, token);
      else trusted.delete(value);
      return token;
    },
    async operatorDepartments(operatorId) {
      const hit = knownDepartments.get(operatorId);
      if (hit) return hit;
      const departments = (await departmentsOf(operatorId)) ?? [];
      knownDepartments.set(operatorId, departments);
      return departments;
    },
    forgetAccess() {
      trusted.clear();
      knownDepartments.clear();
    },
  };
}
