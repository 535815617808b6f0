/** Composition and schema checks of the supergraph: what `rover` does in CI, offline. */
export * from './api-schema.js';
export * from './baseline.js';
export * from './breaking-changes.js';
export * from './check.js';
export * from './compose.js';
export * from './config.js';
export * from './files.js';
export * from './operations.js';
