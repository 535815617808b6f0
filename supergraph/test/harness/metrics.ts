/**
 * Reads what the running services expose on /metrics (Prometheus's text format), and renders the
 * table of docs/metrics.md from it: the doc is checked against the services, so it cannot drift
 * (supergraph/test/e2e/ticketing-bookings.test.ts; `UPDATE_METRICS_DOC=1` rewrites it).
 */
import { subgraphs } from '../../../subgraphs/registry.js';

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  /** The family's samples: `name{labels}` (or `name_bucket{…}` for a histogram) → value. */
  samples: Map<string, number>;
}

/** A service's exposition, by family name. */
export type Exposition = Map<string, MetricFamily>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/;

export function parseExposition(text: string): Exposition {
  const families: Exposition = new Map();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: 'untyped', help: '', samples: new Map() };
      families.set(name, found);
    }
    return found;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3]!.replaceAll('\\n', ' ').replaceAll('\\\\', '\\');
      else family(meta[2]!).type = meta[3]!;
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) continue;
    const name = sample[1]!;
    const owner = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    family(owner).samples.set(`${name}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return families;
}

/** Scrapes each service's /metrics. */
export async function scrape(urls: Record<string, string>): Promise<Map<string, Exposition>> {
  const expositions = new Map<string, Exposition>();
  for (const [service, url] of Object.entries(urls)) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${service}: GET ${url} answered ${response.status}`);
    expositions.set(service, parseExposition(await response.text()));
  }
  return expositions;
}

/** The value of the sample of `family` whose labels include every one of `labels`; 0 when there is none. */
export function sampleValue(exposition: Exposition, family: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  let total = 0;
  for (const [key, value] of exposition.get(family)?.samples ?? []) {
    if (!key.startsWith(`${family}{`) && key !== family) continue;
    if (wanted.every((pair) => key.includes(pair))) total += value;
  }
  return total;
}

/** prom-client's default process and Node.js metrics: documented once, not one by one. */
const isDefaultMetric = (name: string) => name.startsWith('process_') || name.startsWith('nodejs_');

export const METRICS_TABLE_START = '<!-- metrics table: generated from the running services, do not edit -->';
export const METRICS_TABLE_END = '<!-- end of metrics table -->';

/** The metrics table of docs/metrics.md: every family any service declares, who exposes it, its help. */
export function metricsTable(expositions: Map<string, Exposition>): string {
  const subgraphNames = subgraphs.map((subgraph) => subgraph.name);
  const byName = new Map<string, { type: string; help: string; services: Set<string> }>();
  for (const [service, exposition] of expositions) {
    for (const family of exposition.values()) {
      if (isDefaultMetric(family.name)) continue;
      const entry = byName.get(family.name) ?? { type: family.type, help: family.help, services: new Set() };
      entry.services.add(service);
      byName.set(family.name, entry);
    }
  }
  const who = (services: Set<string>) => {
    const everySubgraph = subgraphNames.every((name) => services.has(name));
    if (everySubgraph && services.has('gateway')) return 'every service';
    if (everySubgraph) return 'every subgraph';
    return [...services].sort().join(', ');
  };
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = [...byName]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, { type, help, services }]) => `| \`${name}\` | ${type} | ${cell(who(services))} | ${cell(help)} |`);
  return [
    METRICS_TABLE_START,
    '',
    '| metric | type | exposed by | meaning |',
    '| ------ | ---- | ---------- | ------- |',
    ...rows,
    '',
    METRICS_TABLE_END,
  ].join('\n');
}
