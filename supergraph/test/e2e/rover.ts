/**
 * Runs the real rover CLI (`@apollo/rover`, a root devDependency) as a developer would. Its npm
 * package ships the binary in a per-platform optional dependency (`@apollo/rover-linux-x64`, …),
 * so nothing is downloaded at install or run time; the introspect commands work offline.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

const roverScript = createRequire(import.meta.url).resolve('@apollo/rover/bin/rover.js');

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
      process.execPath,
      [roverScript, ...args],
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
