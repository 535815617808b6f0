/** The gateway's enforcement of `@authenticated`, `@requiresScopes` and `@policy`, as Apollo Router enforces them. */
export {
  authorizeOperation,
  policiesReferenced,
  LIST_ELEMENT,
  type AuthorizationCaller,
  type AuthorizationMode,
  type AuthorizationOutcome,
  type AuthorizationPath,
  type AuthorizeInput,
  type RemovedSelection,
} from './authorize.js';
export {
  createPolicyRegistry,
  evaluatePolicies,
  recentAuthentication,
  DEFAULT_RECENT_AUTHENTICATION_MAX_AGE_SECONDS,
  RECENT_AUTHENTICATION,
  type Policy,
  type PolicyContext,
  type PolicyEvaluation,
  type PolicyRegistry,
  type PolicyRegistryOptions,
} from './policies.js';
export {
  combineRequirements,
  readAuthorization,
  UnsupportedAuthorizationFeatureError,
  type AuthorizationRequirements,
  type Requirement,
} from './requirements.js';
export {
  applyRemovals,
  rejectResult,
  unauthorizedErrors,
  UNAUTHORIZED_CODE,
  UNAUTHORIZED_MESSAGE,
  type ExecutionResultLike,
} from './response.js';
