/** The pure rules and their words: imports nothing else of the project. */
export {
  ACTIVE_TASK_STATUSES,
  CLAIM_ACTIONS,
  CLAIM_STATUSES,
  type ClaimAction,
  type ClaimStatus,
  isTerminal,
  NOTIFICATION_TYPES,
  type NotificationType,
  REJECTION_CODES,
  type RejectionCode,
  TASK_STATUSES,
  type TaskStatus,
  TOKEN_KINDS,
  type TokenKind,
} from './vocabulary';
export {
  capacityRejection,
  type ClaimDecision,
  type ClaimFacts,
  type ClaimParams,
  decideClaim,
  inactiveRejection,
  missingSkills,
  reject,
} from './decide-claim';
export { type ClaimNextFacts, decideClaimNext, refuseClaimNext } from './decide-claim-next';
export { decideRelease, type ReleaseFacts } from './decide-release';
export { decideStart, type StartFacts } from './decide-start';
export { decideExpire, type ExpireFacts } from './decide-expire';
export { decideReassign } from './decide-reassign';
export { type Language, LANGUAGES, type MessageKey, renderMessage } from './messages';
export { canSeeTask, isInScope, scopeDepartments, type ScopedToken, type TaskPlacement } from './token-scope';
export { isReadablePage, isTooDeep, MAX_LIST_DEPTH } from './list-depth';
