/**
 * `npm run bench -- all` (bench/all.ts): its plan passes every benchmark options the command
 * line reads, refuses a benchmark it has no short settings for, and a benchmark's process
 * group ends when the benchmark does, even when it left something running.
 */
import { describe, expect, it } from 'vitest';
import { planRuns, runInGroup } from '../all.js';
import { BENCHMARK_OPTIONS, BENCHMARKS } from '../benchmarks.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the plan of `all`', () => {
  it('runs every benchmark the command line knows, with options it accepts', () => {
    const runs = planRuns(Object.keys(BENCHMARKS));
    expect(runs.flatMap((run) => run.name.split('+')).sort()).toEqual(Object.keys(BENCHMARKS).sort());
    for (const run of runs) {
      const names = run.args.filter((_, index) => index % 2 === 0);
      for (const option of names) expect(Object.keys(BENCHMARK_OPTIONS)).toContain(option.replace(/^--/, ''));
    }
  });

  it('passes the short settings as the options the benchmark reads', () => {
    expect(planRuns(['gateway', 'search'])).toEqual([
      { name: 'gateway', args: ['--duration', '5', '--warmup', '2'], limitMs: 8 * 60_000 },
      { name: 'search', args: ['--rounds', '50', '--events', '20000'], limitMs: 4 * 60_000 },
    ]);
  });

  it('runs the benchmarks that share a platform as one run where the first of them was, settings merged', () => {
    expect(planRuns(['login', 'portfolio', 'search', 'subscriptions', 'bookings'])).toEqual([
      { name: 'login', args: ['--duration', '10', '--concurrency', '1,10'], limitMs: 4 * 60_000 },
      {
        name: 'subscriptions+bookings+portfolio',
        args: ['--duration', '10', '--rounds', '20'],
        limitMs: (4 + 3 + 3) * 60_000,
      },
      { name: 'search', args: ['--rounds', '50', '--events', '20000'], limitMs: 4 * 60_000 },
    ]);
    // One of them alone runs alone.
    expect(planRuns(['bookings']).map((run) => run.name)).toEqual(['bookings']);
  });

  it('refuses to put two values of one setting on the one command line of a shared platform', () => {
    const runs = {
      a: { settings: { duration: 10 }, limitMinutes: 1 },
      b: { settings: { duration: 20 }, limitMinutes: 1 },
    };
    expect(() => planRuns(['a', 'b'], runs, ['a', 'b'])).toThrow(
      'a+b share one command line but differ in --duration: 10 and 20',
    );
  });

  it('refuses a benchmark without short settings before anything runs', () => {
    expect(() => planRuns(['login', 'mystery'])).toThrow(
      'no short settings for mystery: add them to SHORT_RUNS in bench/all.ts',
    );
  });
});

describe('a benchmark run in its own process group', () => {
  it('ends once the benchmark exits, and ends what it left running that still held the output open', async () => {
    // A benchmark that failed half-way: its platform (here a child that sleeps) outlives it.
    const script = `
      const { spawn } = require('node:child_process');
      const left = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'inherit'] });
      console.log('left ' + left.pid);
      process.exit(3);
    `;
    const started = performance.now();
    const result = await runInGroup(['-e', script], 60_000);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(result).toMatchObject({ exitCode: 3, timedOut: false });
    const leftPid = Number(/left (\d+)/.exec(result.output)?.[1]);
    expect(leftPid).toBeGreaterThan(0);
    await expect.poll(() => alive(leftPid), { timeout: 5_000 }).toBe(false);
  });

  it('stops the whole group at its time limit', async () => {
    const result = await runInGroup(['-e', 'console.log("working"); setInterval(() => {}, 1000)'], 1_000);
    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    expect(result.output).toContain('working');
  });
});
