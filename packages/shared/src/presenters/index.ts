/** Rows and their resources on the wire. */
export { presentTask } from './task.presenter';
export { presentClaim } from './claim.presenter';
export { presentClaimEvent } from './webhook.presenter';
