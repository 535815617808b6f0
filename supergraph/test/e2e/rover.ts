/**
 * Runs the real rover CLI as a developer would. `@apollo/rover` ships its binary in one npm
 * package per platform; the registry this project installs from serves only the Linux x64
 * one, so the root package.json takes `@apollo/rover-linux-x64` as an optional dependency
 * (the wrapper package would make `npm ci` ask for every platform's). Nothing is downloaded at
 * install or run time; the introspect commands work offline.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const roverBinary = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@apollo/rover-linux-x64/package.json')),
  'rover',
);

export interface RoverRun {
  /** The exit code (0 on success). */
  code: number;
  stdout: string;
  stderr: string;
}

/** `rover <args>`, asynchronously: the platform under test answers it from this same process. */
export function rover(args: string[], configHome: string): Promise<RoverRun> {
  return new Promise((resolve) => {
    execFile(
      roverBinary,
      args,
      {
        env: {
          ...process.env,
          APOLLO_TELEMETRY_DISABLED: 'true',
          APOLLO_CONFIG_HOME: configHome,
          NO_COLOR: '1',
        },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
