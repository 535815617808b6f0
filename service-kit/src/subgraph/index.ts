/** Subgraphs as declarations: `defineSubgraph` states one, `createSubgraph`/`runSubgraph` build and run it. */
export * from './definition.js';
export * from './runtime.js';
