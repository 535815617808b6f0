/**
 * What the local servers the project runs itself (Kafka, OpenSearch) share about child
 * processes: running a command to completion, the end of a log for an error message, and
 * killing what is still running when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Runs a command to completion, collecting its output; a missing executable rejects with `missing`. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; missing: string },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(options.missing) : error),
    );
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The last `lines` lines of a log file (Java stack frames left out), or `missing` when there is none. */
export async function logTail(logFile: string, missing: string, lines = 30): Promise<string> {
  try {
    return (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter((line) => !/^\s+at /.test(line))
      .slice(-lines)
      .join('\n');
  } catch {
    return missing;
  }
}

/** Servers still running when this process exits are killed with it rather than left behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills `child` when this process exits, until it has exited itself. */
export function killWithThisProcess(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}
