/** Rows and their resources on the wire. */
export { presentTask } from './task.presenter';
export { presentClaim, presentClaimAsDecided } from './claim.presenter';
export { presentClaimEvent, presentDelivery } from './webhook.presenter';
