/** What `npm start` (and compose's demo job) print: where to look, and the demo's tokens as shell lines. */
import type { DemoSeed } from './demo-seed';

/** Where to look, on every start. */
function placesLines(port: number): string {
  const base = `http://localhost:${port}`;
  return `operator console   ${base}/console/
API docs           ${base}/docs
queue dashboard    ${base}/admin/queues   (user admin, password: an admin token)
export TASKCLAIM_URL=${base}`;
}

/**
 * The demo's tokens as shell lines the README's first session uses verbatim; a token chosen through
 * ADMIN_TOKEN is a secret of its own and is not echoed.
 */
export function printDemo(seed: DemoSeed, port: number): void {
  const { operatorToken: mine, otherToken: other } = seed;
  console.log(`
──────── taskclaim demo ────────
${placesLines(port)}
export OPERATOR_TOKEN=${mine.token}   # ${mine.username} (operator ${mine.operatorId})
export OTHER_TOKEN=${other.token}   # ${other.username} (operator ${other.operatorId})
${seed.adminToken ? `export ADMIN_TOKEN=${seed.adminToken}   # made for this demo, shown once` : '# admin token: the value of ADMIN_TOKEN'}

Paste the export lines into your shell, then try the README's first session, or:
  curl -s "$TASKCLAIM_URL/api/workorder-tasks/claimable/" -H "Authorization: Bearer $OPERATOR_TOKEN"
────────────────────────────────
`);
}

/** A restart seeds nothing: tokens are stored hashed, so it says how to make a fresh one. */
export function printRestart(port: number): void {
  console.log(`
──────── taskclaim ────────
${placesLines(port)}
The database is not empty, so no demo was seeded and no token is printed (tokens are stored hashed).
A fresh operator token:  npm run token -- --operator 9001
───────────────────────────
`);
}
