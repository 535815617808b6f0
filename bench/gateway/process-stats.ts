/**
 * Memory and CPU of a process tree, sampled from /proc (Linux): resident memory summed
 * over the tree at each sample (the peak is reported), and CPU time (user + system) summed
 * over the tree, as an average over the sampling window and the busiest sample interval.
 * 100 % is one core. tsx's esbuild helper process, if any, is not counted: it belongs to
 * how we run TypeScript, not to the process measured.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessTreeStats {
  /** Largest sum of resident memory over the tree seen in one sample, MiB. */
  peakRssMb: number;
  /** CPU used over the window divided by its duration, % of one core. */
  avgCpuPercent: number;
  /** The busiest sample interval, % of one core. */
  peakCpuPercent: number;
  /** Processes in the tree at the last sample. */
  processes: number;
  samples: number;
}

export interface ProcessTreeSampler {
  stop(): ProcessTreeStats;
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  command: string;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command is in parentheses and may contain spaces: fields start after the last ')'.
    const close = text.lastIndexOf(')');
    const command = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After the command: state(0) ppid(1) … utime(11) stime(12)
    return { pid, ppid: Number(fields[1]), command, cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null; // gone since the directory was listed
  }
}

function readRssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants, except tsx's esbuild service. */
function processTree(rootPid: number): ProcStat[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== null);
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const root = all.find((stat) => stat.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const stat = pending.pop()!;
    if (stat.command === 'esbuild') continue;
    tree.push(stat);
    pending.push(...(children.get(stat.pid) ?? []));
  }
  return tree;
}

export interface MachineCpuSampler {
  /** Busy share of all cores since the sampler started, % (100 = every core busy). */
  stop(): number;
}

function readMachineTicks(): { busy: number; total: number } {
  // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal …
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** How busy the whole machine is: shows when the load driver, subgraphs and gateway contend for cores. */
export function sampleMachineCpu(): MachineCpuSampler {
  const start = readMachineTicks();
  return {
    stop() {
      const end = readMachineTicks();
      const total = end.total - start.total;
      return total > 0 ? Math.round(((end.busy - start.busy) / total) * 1000) / 10 : 0;
    },
  };
}

/** Samples the tree under `rootPid` every `intervalMs` until `stop()`. */
export function sampleProcessTree(rootPid: number, intervalMs = 250): ProcessTreeSampler {
  const started = performance.now();
  const lastTicks = new Map<number, number>();
  let usedTicks = 0;
  let peakRssKb = 0;
  let peakCpuPercent = 0;
  let processes = 0;
  let samples = 0;
  let lastSampleAt = started;

  const sample = () => {
    const now = performance.now();
    const tree = processTree(rootPid);
    let intervalTicks = 0;
    let rssKb = 0;
    for (const stat of tree) {
      const previous = lastTicks.get(stat.pid);
      if (previous !== undefined) intervalTicks += stat.cpuTicks - previous;
      lastTicks.set(stat.pid, stat.cpuTicks);
      rssKb += readRssKb(stat.pid);
    }
    if (samples > 0) {
      usedTicks += intervalTicks;
      const seconds = (now - lastSampleAt) / 1000;
      if (seconds > 0)
        peakCpuPercent = Math.max(peakCpuPercent, (intervalTicks / CLOCK_TICKS_PER_SECOND / seconds) * 100);
    }
    peakRssKb = Math.max(peakRssKb, rssKb);
    processes = tree.length;
    samples += 1;
    lastSampleAt = now;
  };

  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const seconds = (lastSampleAt - started) / 1000;
      const round = (value: number) => Math.round(value * 10) / 10;
      return {
        peakRssMb: round(peakRssKb / 1024),
        avgCpuPercent: round(seconds > 0 ? (usedTicks / CLOCK_TICKS_PER_SECOND / seconds) * 100 : 0),
        peakCpuPercent: round(peakCpuPercent),
        processes,
        samples,
      };
    },
  };
}
