/**
 * `npm run bench -- all`: every benchmark in turn with short settings (`SHORT_RUNS`; 415 s on a
 * quiet 2-core machine, about 11 minutes at load 10), each in its own process so one that fails does not stop the
 * rest, except those that share one platform (`ON_ONE_PLATFORM`, one process); one report, `.bench/report-<date>.md`: per benchmark the settings it ran with, its
 * wall time, exit status, the machine's load average before and after, and what it printed.
 * Figures from it are a quick check; `bench/RESULTS.md` quotes longer runs.
 *
 * Each benchmark runs in a process group of its own, ended as soon as its main process exits
 * (a benchmark that fails half-way may leave the platform it started running, holding the
 * output pipe open) or after its time limit.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, 'cli.ts');

/** What `all` passes one benchmark (`--<key> <value>`; the rest at its defaults), and how long it may take. */
interface ShortRun {
  settings: Record<string, string | number>;
  /** The longest the benchmark may take, its platform's start included; about twice a run on a loaded machine. */
  limitMinutes: number;
}

/**
 * The short settings. Where the 18 minutes went (2 cores, load 6-11 from other sessions'
 * tests): authorization failed at its comparison gateway's start while its platform kept the
 * output open, so it sat out the 10-minute limit; gateway 215 s (8 gateways, each started,
 * checked, warmed 5 s and measured, 5 of them on the one-fetch query too); search 105 s, 60 of
 * them loading 100,000 events into the two engines; login ~100 s (argon2 timing, 15 s of rest
 * before any login); subscriptions 82 s; tracing 69 s (each measurement a process that starts
 * subgraphs and a gateway); bookings 57 s and portfolio 55 s (1,000 activities recorded one by
 * one), each of those three starting a platform of its own.
 */
const SHORT_RUNS: Readonly<Record<string, ShortRun>> = {
  login: { settings: { duration: 10, concurrency: '1,10' }, limitMinutes: 4 },
  // Every gateway still measured: 2 s warm JIT and pools at this load as well as 5 do.
  gateway: { settings: { duration: 5, warmup: 2 }, limitMinutes: 8 },
  authorization: { settings: { duration: 5, rounds: 2 }, limitMinutes: 4 },
  subscriptions: { settings: { duration: 10 }, limitMinutes: 4 },
  // Two rounds still alternate the order (off-on, on-off); each run is mostly a process start.
  tracing: { settings: { rounds: 2, requests: 300 }, limitMinutes: 3 },
  bookings: { settings: { duration: 10 }, limitMinutes: 3 },
  portfolio: { settings: { rounds: 20 }, limitMinutes: 3 },
  // 20,000 events: loading both engines takes seconds, and a search still reads ~200 hits.
  search: { settings: { rounds: 50, events: 20_000 }, limitMinutes: 4 },
};

/**
 * Benchmarks run in one process on one platform (`npm run bench -- a+b+c`, bench/platform.ts):
 * each launches the same in-process platform, so two starts of it are saved. Subscriptions
 * first, on the fresh platform: its CPU figures are the ones other work would move.
 */
const ON_ONE_PLATFORM: readonly string[] = ['subscriptions', 'bookings', 'portfolio'];

export interface PlannedRun {
  /** A benchmark, or `a+b+c` for those run on one platform. */
  name: string;
  args: string[];
  limitMs: number;
}

/**
 * The runs of `all` over `names`, in that order; those of `onePlatform` among them as one run
 * where the first of them is, their settings merged (one setting, two values: an error).
 * A benchmark without short settings is an error too, before anything runs.
 */
export function planRuns(
  names: readonly string[],
  runs: Readonly<Record<string, ShortRun>> = SHORT_RUNS,
  onePlatform: readonly string[] = ON_ONE_PLATFORM,
): PlannedRun[] {
  const missing = names.filter((name) => !runs[name]);
  if (missing.length > 0) {
    throw new Error(`no short settings for ${missing.join(', ')}: add them to SHORT_RUNS in bench/all.ts`);
  }
  const together = onePlatform.filter((name) => names.includes(name));
  const shared = together.length > 1 ? together : [];
  const first = names.find((name) => shared.includes(name));
  const groups = names.flatMap((name) => (!shared.includes(name) ? [[name]] : name === first ? [shared] : []));
  return groups.map((group) => {
    const settings: Record<string, string | number> = {};
    for (const name of group) {
      for (const [key, value] of Object.entries(runs[name]!.settings)) {
        if (key in settings && settings[key] !== value) {
          throw new Error(
            `${group.join('+')} share one command line but differ in --${key}: ${settings[key]} and ${value}`,
          );
        }
        settings[key] = value;
      }
    }
    return {
      name: group.join('+'),
      args: Object.entries(settings).flatMap(([key, value]) => [`--${key}`, String(value)]),
      limitMs: group.reduce((sum, name) => sum + runs[name]!.limitMinutes, 0) * 60_000,
    };
  });
}

interface Section {
  name: string;
  args: string[];
  seconds: number;
  exitCode: number | null;
  timedOut: boolean;
  loadBefore: number;
  loadAfter: number;
  output: string;
}

/**
 * Runs `node <args>` in a process group of its own, its stdout passed through and kept; the
 * group is ended when the main process exits (what it left behind would hold stdout open)
 * or, all of it, when `limitMs` passes.
 */
export async function runInGroup(
  args: string[],
  limitMs: number,
): Promise<{ exitCode: number | null; timedOut: boolean; output: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
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
  }, limitMs);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  const closed = new Promise<void>((resolve) => child.stdout.once('close', resolve));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(limit);
  endGroup('SIGTERM');
  // What the group still had to say, unless one of them ignores SIGTERM.
  const fuse = setTimeout(() => endGroup('SIGKILL'), 10_000);
  await closed;
  clearTimeout(fuse);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return { exitCode, timedOut, output };
}

async function runOne(run: PlannedRun): Promise<Section> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const { exitCode, timedOut, output } = await runInGroup(['--import', 'tsx', CLI, run.name, ...run.args], run.limitMs);
  return {
    name: run.name,
    args: run.args,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    exitCode,
    timedOut,
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
const status = (section: Section) =>
  section.timedOut ? 'stopped at its time limit' : section.exitCode === 0 ? 'ok' : `failed (${section.exitCode})`;

/** The report's markdown: the machine, one row per benchmark, then what each printed. */
function renderAllReport(date: Date, sections: readonly Section[]): string {
  const total = sections.reduce((sum, section) => sum + section.seconds, 0);
  return [
    `# Benchmarks, ${date.toISOString()}`,
    '',
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}. Short settings ` +
      '(`SHORT_RUNS` in bench/all.ts; each section starts with every setting used, defaults included): a quick ' +
      `check, not the figures to quote. ${sections.length} runs in ${Math.round(total)} s.`,
    '',
    '| benchmark | command | wall s | exit | load avg before → after |',
    '| --- | --- | --- | --- | --- |',
    ...sections.map(
      (s) =>
        `| ${s.name} | \`npm run bench -- ${[s.name, ...s.args].join(' ')}\` | ${s.seconds} | ${status(s)} | ${load(s.loadBefore)} → ${load(s.loadAfter)} |`,
    ),
    '',
    ...sections.flatMap((s) => [
      `## ${s.name}`,
      '',
      s.output.includes('|') ? s.output : ['```', s.output, '```'].join('\n'),
      '',
    ]),
  ].join('\n');
}

/** Runs `names` in turn and writes the report; resolves to the report's path. */
export async function benchAll(names: string[], reportDir = path.join(here, '..', '.bench')): Promise<string> {
  const date = new Date();
  const runs = planRuns(names);
  const sections: Section[] = [];
  for (const run of runs) {
    process.stderr.write(`[bench all] ${run.name} ${run.args.join(' ')}\n`);
    sections.push(await runOne(run));
  }
  await mkdir(reportDir, { recursive: true });
  const file = path.join(
    reportDir,
    `report-${date
      .toISOString()
      .replaceAll(':', '-')
      .replace(/\.\d+Z$/, 'Z')}.md`,
  );
  await writeFile(file, `${renderAllReport(date, sections)}\n`);
  const failed = sections.filter((s) => s.exitCode !== 0).map((s) => s.name);
  const total = Math.round(sections.reduce((sum, section) => sum + section.seconds, 0));
  process.stderr.write(
    `[bench all] ${total} s; report: ${path.relative(process.cwd(), file)}${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`,
  );
  return file;
}
