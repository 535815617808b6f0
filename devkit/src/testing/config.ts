/**
 * Configuration tests: what a service reports about an environment, as an operator reads it
 * at start (`VARIABLE: message`, every problem at once).
 *
 *   expect(configProblems(identitySubgraph, { ...valid, PORT: 'eighty' })).toEqual(['PORT: …']);
 *   expect(configProblemVariables(loadAuthzSeedConfig, {})).toEqual(['DATABASE_URL']);
 */
import { ConfigError, loadSubgraphConfig, type AnySubgraphDefinition, type Environment } from '@platform/service-kit';

/** A subgraph's definition, or any loader that throws the kit's `ConfigError` (a command's own schema). */
export type ConfigSubject = AnySubgraphDefinition | ((environment: Environment) => unknown);

/** The problems loading `environment` reports, in the order the service prints them; none when it loads. */
export function configProblems(subject: ConfigSubject, environment: Environment): string[] {
  try {
    if (typeof subject === 'function') subject(environment);
    else loadSubgraphConfig(subject, environment);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

/** The variable each problem of {@link configProblems} names, in the same order. */
export function configProblemVariables(subject: ConfigSubject, environment: Environment): string[] {
  return configProblems(subject, environment).map((problem) => problem.split(':')[0] ?? problem);
}
