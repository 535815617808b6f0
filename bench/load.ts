/** Runs the load driver in a separate process and returns its result. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-driver.js';

const driver = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-driver.ts');

export async function measure(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', driver, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load driver exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as LoadResult;
}
