/**
 * `npm run bench -- all`: every benchmark in turn, each with short settings (about 30-60 s of
 * measuring, plus its platform's start), each in its own process so one that fails does not
 * stop the rest; one report, `.bench/report-<date>.md`: per benchmark the command, its
 * wall time, exit status, the machine's load average before and after, and what it printed.
 * Figures from it are a quick check; `bench/RESULTS.md` quotes longer runs.
 *
 * Each benchmark runs in a process group of its own, ended once it exits (a benchmark that
 * fails half-way may leave the platform it started running) or after `TIME_LIMIT_MS`.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The longest one benchmark may take, platform start included. */
const TIME_LIMIT_MS = 10 * 60_000;
const CLI = path.join(here, 'cli.ts');

/** The short settings per benchmark; one not listed runs at its defaults. */
const SHORT_SETTINGS: Record<string, string[]> = {
  gateway: ['--duration', '5'],
  login: ['--duration', '10', '--concurrency', '1,10'],
  authorization: ['--duration', '5', '--rounds', '2'],
  subscriptions: ['--duration', '10'],
  bookings: ['--duration', '10'],
  portfolio: ['--rounds', '20'],
  search: ['--rounds', '50'],
};

interface Section {
  name: string;
  args: string[];
  seconds: number;
  exitCode: number | null;
  loadBefore: number;
  loadAfter: number;
  output: string;
}

async function runOne(name: string, args: string[]): Promise<Section> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, name, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const endGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // nothing left in the group
    }
  };
  // Ctrl-C on `all` ends the benchmark's group too (it no longer shares the terminal's).
  const onSignal = () => {
    endGroup('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    endGroup('SIGKILL');
  }, TIME_LIMIT_MS);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(limit);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  endGroup('SIGTERM');
  if (timedOut) output += `\n(stopped after ${TIME_LIMIT_MS / 60_000} min)`;
  return {
    name,
    args,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    exitCode,
    loadBefore,
    loadAfter: loadavg()[0]!,
    // The platform's services log JSON lines to the same stdout: the report keeps the results.
    output: output
      .split('\n')
      .filter((line) => !line.startsWith('{"level":'))
      .join('\n')
      .trim(),
  };
}

const load = (value: number) => value.toFixed(1);

/** Runs `names` in turn and writes the report; resolves to the report's path. */
export async function benchAll(names: string[], reportDir = path.join(here, '..', '.bench')): Promise<string> {
  const date = new Date();
  const sections: Section[] = [];
  for (const name of names) {
    const args = SHORT_SETTINGS[name] ?? [];
    process.stderr.write(`[bench all] ${name} ${args.join(' ')}\n`);
    sections.push(await runOne(name, args));
  }
  const lines = [
    `# Benchmarks, ${date.toISOString()}`,
    '',
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}. Short settings: a quick check, not the figures to quote.`,
    '',
    '| benchmark | command | wall s | exit | load avg before → after |',
    '| --- | --- | --- | --- | --- |',
    ...sections.map(
      (s) =>
        `| ${s.name} | \`npm run bench -- ${[s.name, ...s.args].join(' ')}\` | ${s.seconds} | ${s.exitCode === 0 ? 'ok' : `failed (${s.exitCode})`} | ${load(s.loadBefore)} → ${load(s.loadAfter)} |`,
    ),
    '',
    ...sections.flatMap((s) => [
      `## ${s.name}`,
      '',
      s.output.includes('|') ? s.output : ['```', s.output, '```'].join('\n'),
      '',
    ]),
  ];
  await mkdir(reportDir, { recursive: true });
  const file = path.join(
    reportDir,
    `report-${date
      .toISOString()
      .replaceAll(':', '-')
      .replace(/\.\d+Z$/, 'Z')}.md`,
  );
  await writeFile(file, `${lines.join('\n')}\n`);
  const failed = sections.filter((s) => s.exitCode !== 0).map((s) => s.name);
  process.stderr.write(
    `[bench all] report: ${path.relative(process.cwd(), file)}${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`,
  );
  return file;
}
