/** The gateway's enforcement of `@authenticated`, `@requiresScopes` and `@policy`, as Apollo Router enforces them. */
export {
  authorizeOperation,
  policiesReferenced,
  type AuthorizationMode,
  type AuthorizationOutcome,
  type RemovedSelection,
} from './authorize.js';
export { createPolicyRegistry, evaluatePolicies, type PolicyRegistry } from './policies.js';
export { readAuthorization, type AuthorizationRequirements } from './requirements.js';
export { applyRemovals, rejectResult, UNAUTHORIZED_CODE } from './response.js';
