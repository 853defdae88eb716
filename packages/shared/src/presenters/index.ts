/** Rows and their resources on the wire. */
export { presentTask } from './task.presenter';
export { presentClaim, presentClaimAsDecided } from './claim.presenter';
export { presentNotification } from './notification.presenter';
export { presentClaimEvent, presentDelivery } from './webhook.presenter';
