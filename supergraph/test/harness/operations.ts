/** The client contract's operations, sent to the gateway exactly as clients send them. */
export { contractOperation } from '@platform/devkit/testing';
