import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { TokenKind } from '@taskclaim/shared/domain';

export interface TokenRow {
  id: number;
  kind: TokenKind;
  name: string;
  operator_id: number | null;
  department_ids: number[];
  callback_hosts: string[];
  webhook_secret: string | null;
  revoked_at: Date | null;
}

export interface NewToken {
  kind: TokenKind;
  name: string;
  operator_id?: number | null;
  department_ids?: number[];
  callback_hosts?: string[];
}

export const BOOTSTRAP_ADMIN_TOKEN_NAME = 'ADMIN_TOKEN';

/** Tokens are random and long, so one SHA-256 is enough: no salt or slow hash needed to store them. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const newSecret = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

export type ActiveToken = TokenRow & { operator_active: boolean | null };

/** Active tokens by the hash of their value, with, for operator tokens, whether the operator is still active. */
export async function findActiveTokensByHash(db: Knex, tokenHashes: string[]): Promise<Map<string, ActiveToken>> {
  const rows: (ActiveToken & { token_hash: string })[] = await db('api_tokens as k')
    .leftJoin('operators as o', 'o.id', 'k.operator_id')
    .select('k.*', 'o.active as operator_active')
    .whereIn('k.token_hash', tokenHashes)
    .whereNull('k.revoked_at');
  return new Map(rows.map((row) => [row.token_hash, row]));
}

/** Which of these tokens are still active: not revoked, and for operator tokens, of an active operator. */
export async function findActiveTokenIds(db: Knex, tokenIds: number[]): Promise<Set<number>> {
  if (tokenIds.length === 0) return new Set();
  const ids: number[] = await db('api_tokens as k')
    .leftJoin('operators as o', 'o.id', 'k.operator_id')
    .whereIn('k.id', tokenIds)
    .whereNull('k.revoked_at')
    .where((query) => query.whereNot('k.kind', 'operator').orWhere('o.active', true))
    .pluck('k.id');
  return new Set(ids.map(Number));
}

export async function createToken(db: Knex, token: NewToken): Promise<{ row: TokenRow; token: string }> {
  const value = newSecret('tc_');
  const [row]: TokenRow[] = await db('api_tokens')
    .insert({
      kind: token.kind,
      name: token.name,
      token_hash: hashToken(value),
      operator_id: token.operator_id ?? null,
      department_ids: token.department_ids ?? [],
      callback_hosts: token.callback_hosts ?? [],
      // Any token that may give a callback_url gets a Standard Webhooks signing secret.
      webhook_secret: token.kind === 'operator' ? null : `whsec_${randomBytes(32).toString('base64')}`,
    })
    .returning('*');
  return { row, token: value };
}

/** api_tokens.id is an `integer` column: a larger (well-formed) id names no token. */
const MAX_TOKEN_ID = 2_147_483_647;

export async function revokeToken(db: Knex, tokenId: number): Promise<boolean> {
  if (tokenId > MAX_TOKEN_ID) return false;
  return (await db('api_tokens').where({ id: tokenId }).whereNull('revoked_at').update({ revoked_at: db.fn.now() })) > 0;
}

/**
 * Brings the bootstrap admin token in line with ADMIN_TOKEN, at every start: only the current value
 * may be valid. A value seen before is not made valid again, so revoking it lasts across restarts; a
 * new value makes a new token; the tokens of other values, and all of them when ADMIN_TOKEN is unset,
 * are revoked.
 */
export async function syncBootstrapAdminToken(db: Knex, token: string | undefined): Promise<{ created: boolean; revoked: number }> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [BOOTSTRAP_ADMIN_TOKEN_NAME]);
    const hash = token === undefined ? undefined : hashToken(token);
    const revoked = await trx('api_tokens')
      .where({ kind: 'admin', name: BOOTSTRAP_ADMIN_TOKEN_NAME })
      .whereNull('revoked_at')
      .modify((others) => (hash === undefined ? others : others.whereNot({ token_hash: hash })))
      .update({ revoked_at: trx.fn.now() });
    if (hash === undefined || (await trx('api_tokens').where({ token_hash: hash }).first('id'))) return { created: false, revoked };
    await trx('api_tokens').insert({ kind: 'admin', name: BOOTSTRAP_ADMIN_TOKEN_NAME, token_hash: hash });
    return { created: true, revoked };
  });
}
