/**
 * `npm run token -- --operator <id>`: a fresh operator token on an existing database (the demo's were
 * printed once, and tokens are stored hashed), printed as the shell line the README uses.
 */
import { parseArgs } from 'node:util';
import { makeDb } from '@taskclaim/shared/db';
import { parseConfig } from '@taskclaim/shared/runtime';
import * as tokensRepo from '../services/api/src/db/tokens.repository';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { operator: { type: 'string' }, as: { type: 'string', default: 'OPERATOR_TOKEN' } } });
  if (!/^[A-Z_][A-Z0-9_]*$/.test(values.as)) throw new Error('--as takes a shell variable name, such as OTHER_TOKEN');
  const operatorId = Number(values.operator);
  if (!Number.isSafeInteger(operatorId) || operatorId < 1) throw new Error('usage: npm run token -- --operator <operator id> [--as OTHER_TOKEN]');
  const db = makeDb(parseConfig().DATABASE_URL, { max: 1 });
  try {
    const operator = await db('operators').where({ id: operatorId }).first('username', 'active');
    if (!operator) throw new Error(`There is no operator ${operatorId} in this database.`);
    if (!operator.active) throw new Error(`Operator ${operatorId} (${operator.username}) is deactivated; its tokens are refused.`);
    const { token } = await tokensRepo.createToken(db, { kind: 'operator', name: `npm run token (${operator.username})`, operator_id: operatorId });
    console.log(`export ${values.as}=${token}   # ${operator.username} (operator ${operatorId})`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
