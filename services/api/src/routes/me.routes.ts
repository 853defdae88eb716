import { Router } from 'express';
import { type MeResource } from '../contracts/me';
import { findOperator } from '../db/operators.repository';
import type { ApiDeps } from '../deps';
import { callerOf } from '../http/auth';

/** Who the token acts as, so a console names its operator at sign-in. */
export function meRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/me', async (_req, res) => {
    const caller = callerOf(res);
    const operator = caller.operator_id === null ? undefined : await findOperator(deps.db, caller.operator_id);
    const me: MeResource = {
      kind: caller.kind,
      name: caller.name,
      operator: operator ? { id: operator.id, username: operator.username, first_name: operator.first_name, last_name: operator.last_name } : null,
    };
    res.json(me);
  });
  return router;
}
