/**
 * `npm run bench -- subscriptions [--subscribers 1000] [--duration 20] [--rate 10] [--producers 4]`: how the
 * audit-event subscriptions fan out. The platform runs in its default mode (every service in
 * this process on the in-process event bus, so the events reach audit); a separate process
 * (`subscribers-driver.ts`) holds `subscribers` graphql-ws clients on the gateway, each
 * subscribed to `AuditEvents` for `identity.user.updated`. This process then makes a
 * registered user change their name (`UpdateProfile`), each change one event that every
 * subscriber should receive:
 *
 * 1. warm-up: a change every 500 ms until every subscriber has received one (their
 *    subscriptions reach audit asynchronously after the connection is acknowledged);
 * 2. fixed rate: `rate` changes a second for `duration` seconds, then a wait for stragglers;
 *    latency is receive time − `occurredAt`, over every delivery;
 * 3. sustained: `producers` users each changing their name back to back (one change in flight
 *    each) for 10 s; see `sustainedEventsPerSecond` and `deliveriesPerSecond`.
 *
 * The platform's CPU time (this process: every service, argon2's and libuv's threads
 * included) is measured over each phase, so deliveries per CPU-second can be compared on a
 * machine that other work loads.
 *
 * Nothing is asserted: it prints a markdown table and writes `.bench/subscriptions.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { repositoryRoot } from '../supergraph/src/platform/launch.js';
import { BENCH_ADMIN, descendantCpuSeconds, launchBenchPlatform, machine, writeBenchReport } from './platform.js';
import type {
  SubscribersProgress,
  SubscribersSpec,
  SubscribersSubscribed,
  SubscribersSummary,
} from './subscribers-driver.js';

const ACTION = 'identity.user.updated';
const SUSTAINED_SECONDS = 10;
/** After a phase, how long to wait at most for the deliveries still queued (while they keep coming). */
const STRAGGLER_WAIT_MS = 120_000;
/** …and how long without a single new delivery ends that wait early. */
const QUIET_MS = 5_000;
const driverPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'subscribers-driver.ts');

/** A contract operation's text, as clients send it (supergraph/operations/*.graphql). */
function contractOperation(file: string, name: string): string {
  const document = parse(readFileSync(path.join(repositoryRoot, 'supergraph/operations', file), 'utf8'));
  const definition = document.definitions.find(
    (node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION && node.name?.value === name,
  );
  if (!definition) throw new Error(`no contract operation ${name} in ${file}`);
  return print({ kind: Kind.DOCUMENT, definitions: [definition] });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The driver process, spoken to one line at a time. */
class SubscribersDriver {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: Record<string, unknown>) => void)[] = [];
  private readonly exited: Promise<number | null>;

  constructor(spec: SubscribersSpec) {
    this.child = spawn(process.execPath, ['--import', 'tsx', driverPath, JSON.stringify(spec)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stderr.write(`[subscribers] ${line}\n`);
        return;
      }
      this.waiting.shift()?.(parsed);
    });
  }

  /** The next line the driver prints (after sending `command`, if given). */
  async next<T>(command?: string, timeoutMs = 60_000): Promise<T> {
    const line = new Promise<Record<string, unknown>>((resolve) => this.waiting.push(resolve));
    if (command) this.child.stdin!.write(`${command}\n`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return (await Promise.race([
        line,
        this.exited.then((code) => Promise.reject(new Error(`the subscribers driver exited (code ${code})`))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the subscribers driver did not answer ${command ?? 'its start'}`)),
            timeoutMs,
          );
        }),
      ])) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks for the final summary and waits for the process to end; kills it if it does not. */
  async stop(): Promise<SubscribersSummary> {
    try {
      return await this.next<SubscribersSummary>('stop', 30_000);
    } finally {
      await this.kill();
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** CPU seconds this process (the whole platform) spent since `since`. */
function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** CPU seconds the platform's embedded Postgres has used so far (0 where /proc is missing). */
const postgresCpuSeconds = () => descendantCpuSeconds((command) => command.startsWith('postgres')) ?? 0;

export async function benchSubscriptions(options: {
  subscribers: number;
  durationSeconds: number;
  rate: number;
  producers: number;
}) {
  const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  // Default mode: no KAFKA_BROKERS, so every service runs here on the in-process event bus.
  // Every subscriber connects from this machine's one address: the bench platform's per-client budget is unreached.
  const platform = await launchBenchPlatform('subscriptions');
  let driver: SubscribersDriver | undefined;
  const interrupted = () => {
    void driver?.kill();
  };
  process.once('SIGINT', interrupted);
  try {
    const graphql = async <T>(query: string, variables: Record<string, unknown>, token?: string) => {
      const response = await fetch(platform.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: T; errors?: unknown[] };
    };
    const LOGIN = contractOperation('auth.graphql', 'Login');
    const logIn = async (credentials: { email: string; password: string }) => {
      const result = await graphql<{ login: { accessToken: string } }>(LOGIN, credentials);
      if (!result.data?.login) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
      return result.data.login.accessToken;
    };
    const adminToken = await logIn(BENCH_ADMIN); // holds audit.log.read
    const REGISTER = contractOperation('identity.graphql', 'Register');
    const UPDATE_PROFILE = contractOperation('identity.graphql', 'UpdateProfile');
    /** The users whose name changes make the events: one per sustained producer. */
    const producerTokens: string[] = [];
    for (let index = 0; index < Math.max(1, options.producers); index += 1) {
      const user = {
        email: `bench.subscriptions.${Date.now()}.${index}@example.test`,
        password: 'benchmark user password',
      };
      const registered = await graphql(REGISTER, { ...user, name: 'Bench 0' });
      if (!registered.data) throw new Error(`register failed: ${JSON.stringify(registered.errors)}`);
      producerTokens.push(await logIn(user));
    }

    let changes = 0;
    /** One name change of producer `producer`'s user, so one `identity.user.updated` event; false when it failed. */
    const change = async (producer = 0): Promise<boolean> => {
      changes += 1;
      try {
        const result = await graphql<{ updateProfile: { user: { id: string } } }>(
          UPDATE_PROFILE,
          { name: `Bench ${changes}` },
          producerTokens[producer],
        );
        return Boolean(result.data?.updateProfile?.user);
      } catch {
        return false;
      }
    };

    say(`opening ${options.subscribers} subscribers`);
    driver = new SubscribersDriver({
      url: platform.gatewayUrl.replace(/^http/, 'ws'),
      token: adminToken,
      subscribers: options.subscribers,
      query: contractOperation('audit.graphql', 'AuditEvents'),
      action: ACTION,
      batchSize: 50,
    });
    const subscribed = await driver.next<SubscribersSubscribed>(undefined, 300_000);
    say(`${subscribed.subscribers} subscribers connected in ${subscribed.openMs} ms (${subscribed.failed} failed)`);
    if (subscribed.subscribers === 0) throw new Error('no subscriber could connect');
    const progress = () => driver!.next<SubscribersProgress>('progress');

    // Warm-up: subscriptions reach audit after the connection ack; wait until every one got an event.
    const warmupDeadline = Date.now() + 120_000;
    let warm = await progress();
    while (warm.subscribersWithEvents < warm.connected && Date.now() < warmupDeadline) {
      await change();
      await sleep(500);
      warm = await progress();
    }
    const warmupChanges = changes;
    say(
      `warm-up: ${warm.subscribersWithEvents}/${warm.connected} subscribers received an event (${warmupChanges} changes)`,
    );
    await sleep(2_000);

    /**
     * Waits until `expected` deliveries arrived, nothing came for QUIET_MS, or STRAGGLER_WAIT_MS
     * passed. `drained`: everything expected arrived, so the next phase starts on an idle pipeline.
     */
    const awaitStragglers = async (expected: number) => {
      const started = Date.now();
      let last = -1;
      let quietSince = started;
      for (;;) {
        const now = await progress();
        const waitedSeconds = Math.round((Date.now() - started) / 100) / 10;
        if (now.deliveries >= expected) return { drained: true, waitedSeconds };
        if (now.deliveries !== last) quietSince = Date.now();
        else if (Date.now() - quietSince > QUIET_MS) return { drained: false, waitedSeconds };
        if (Date.now() - started > STRAGGLER_WAIT_MS) return { drained: false, waitedSeconds };
        last = now.deliveries;
        await sleep(500);
      }
    };

    // Phase 1: a fixed rate, open loop (a change is sent on schedule whether or not the last answered).
    await driver.next(`reset ${Date.now()}`);
    const fixedCpu = process.cpuUsage();
    const fixedPostgres = postgresCpuSeconds();
    const fixedSent: Promise<boolean>[] = [];
    const fixedStart = performance.now();
    const total = Math.round(options.rate * options.durationSeconds);
    for (let index = 0; index < total; index += 1) {
      const due = fixedStart + (index * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      fixedSent.push(change());
    }
    const fixedOk = (await Promise.all(fixedSent)).filter(Boolean).length;
    const fixedSeconds = (performance.now() - fixedStart) / 1000;
    const fixedDrain = await awaitStragglers(fixedOk * subscribed.subscribers);
    const fixedCpuSeconds = cpuSecondsSince(fixedCpu);
    const fixedPostgresSeconds = postgresCpuSeconds() - fixedPostgres;
    const fixed = await driver.next<SubscribersSummary>('report');
    say(
      `fixed rate: ${fixedOk}/${total} changes, ${fixed.deliveries} deliveries (${fixedDrain.drained ? 'all' : 'NOT all'} in, after ${fixedDrain.waitedSeconds} s more)`,
    );

    if (!fixedDrain.drained) say('the fixed-rate backlog did not drain: the sustained phase starts behind it');
    // Phase 2, sustained: `producers` users change their names back to back (one change in
    // flight each) for SUSTAINED_SECONDS. An event counts only once EVERY connected subscriber has
    // received it, and only if that happened before the phase ended: the figure is the rate at
    // which events went all the way through (producer → outbox → bus → audit → the gateway's
    // shared subscription → every client) while the platform was kept busy, not the rate
    // mutations were accepted. Anything still queued when the phase ends is not counted (it is
    // reported separately as `lateComplete`). The mutations share this process with the
    // platform, so the offered rate falls as the fan-out loads it: that is the back-pressure a
    // real producer would feel here too.
    await sleep(1_000);
    await driver.next(`reset ${Date.now()}`);
    const sustainedCpu = process.cpuUsage();
    const sustainedPostgres = postgresCpuSeconds();
    const sustainedStart = performance.now();
    let sustainedSent = 0;
    let sustainedOk = 0;
    await Promise.all(
      producerTokens.map(async (_, producer) => {
        while (performance.now() - sustainedStart < SUSTAINED_SECONDS * 1000) {
          sustainedSent += 1;
          if (await change(producer)) sustainedOk += 1;
        }
      }),
    );
    const sustainedEnd = Date.now();
    const sustainedSeconds = (performance.now() - sustainedStart) / 1000;
    const atEnd = await driver.next<SubscribersSummary>(`report ${sustainedEnd}`);
    const sustainedDrain = await awaitStragglers(sustainedOk * subscribed.subscribers);
    const sustainedCpuSeconds = cpuSecondsSince(sustainedCpu);
    const sustainedPostgresSeconds = postgresCpuSeconds() - sustainedPostgres;
    const sustained = await driver.next<SubscribersSummary>(`report ${sustainedEnd}`);
    const final = await driver.stop();
    driver = undefined;

    const round1 = (value: number) => Math.round(value * 10) / 10;
    const report = {
      benchmark: 'subscriptions',
      date: new Date().toISOString(),
      machine: machine(),
      setup:
        'platform in one process (in-process event bus); subscribers in a separate process; AuditEvents filtered on identity.user.updated; events from UpdateProfile',
      subscribers: { requested: options.subscribers, connected: subscribed.subscribers, failed: subscribed.failed },
      openMs: subscribed.openMs,
      warmup: { changes: warmupChanges, subscribersWithEvents: warm.subscribersWithEvents },
      fixedRate: {
        targetPerSecond: options.rate,
        seconds: round1(fixedSeconds),
        eventsSent: fixedOk,
        failedChanges: total - fixedOk,
        eventsSeen: fixed.events,
        deliveries: fixed.deliveries,
        deliveriesExpected: fixedOk * subscribed.subscribers,
        eventsPerSubscriber: fixed.eventsPerSubscriber,
        latencyMs: fixed.latencyMs,
        deliveriesPerSecond: fixed.deliveriesPerSecond,
        completeEvents: fixed.completeEvents,
        /** Seconds waited after the last change for the queued deliveries; drained: all arrived. */
        drain: fixedDrain,
        errors: fixed.errors,
        /** CPU seconds of the platform process over the phase and its drain. */
        platformCpuSeconds: round1(fixedCpuSeconds),
        postgresCpuSeconds: round1(fixedPostgresSeconds),
        subscribersCpuSeconds: fixed.cpuSeconds,
        deliveriesPerCpuSecond: Math.round(fixed.deliveries / Math.max(0.001, fixedCpuSeconds)),
      },
      sustained: {
        seconds: round1(sustainedSeconds),
        eventsSent: sustainedOk,
        failedChanges: sustainedSent - sustainedOk,
        offeredPerSecond: round1(sustainedOk / sustainedSeconds),
        completeByPhaseEnd: atEnd.completeByCutoff,
        sustainedEventsPerSecond: round1(atEnd.completeByCutoff / sustainedSeconds),
        lateComplete: sustained.completeEvents - atEnd.completeByCutoff,
        deliveries: sustained.deliveries,
        deliveriesExpected: sustainedOk * subscribed.subscribers,
        latencyMs: sustained.latencyMs,
        deliveriesPerSecond: sustained.deliveriesPerSecond,
        /** Deliveries that arrived within the phase, per second of it. */
        deliveriesPerSecondInPhase: Math.round(atEnd.deliveries / sustainedSeconds),
        drain: sustainedDrain,
        producers: producerTokens.length,
        platformCpuSeconds: round1(sustainedCpuSeconds),
        postgresCpuSeconds: round1(sustainedPostgresSeconds),
        subscribersCpuSeconds: sustained.cpuSeconds,
        deliveriesPerCpuSecond: Math.round(sustained.deliveries / Math.max(0.001, sustainedCpuSeconds)),
      },
      subscriptionsEnded: final.ended,
      errors: final.errors,
      ...(final.firstError ? { firstError: final.firstError } : {}),
    };
    await writeBenchReport('subscriptions', report);
    const f = report.fixedRate;
    const s = report.sustained;
    process.stdout.write(
      [
        '| subscribers | target rate /s | events sent | deliveries | deliveries expected | p50 ms | p95 ms | p99 ms | max ms | sustained events/s |',
        '|---|---|---|---|---|---|---|---|---|---|',
        `| ${subscribed.subscribers} | ${f.targetPerSecond} | ${f.eventsSent} | ${f.deliveries} | ${f.deliveriesExpected} | ${f.latencyMs.p50} | ${f.latencyMs.p95} | ${f.latencyMs.p99} | ${f.latencyMs.max} | ${s.sustainedEventsPerSecond} |`,
        '',
        `fixed rate: ${f.deliveriesPerSecond} deliveries/s, events per subscriber ${f.eventsPerSubscriber.min}–${f.eventsPerSubscriber.max}, ${f.completeEvents}/${f.eventsSent} events reached every subscriber, ${f.drain.drained ? 'all' : 'NOT all'} in ${f.drain.waitedSeconds} s after the last change`,
        `fixed rate: platform CPU ${f.platformCpuSeconds} s (+ Postgres ${f.postgresCpuSeconds} s), ${f.deliveriesPerCpuSecond} deliveries per platform CPU-second; the subscribers' process ${f.subscribersCpuSeconds} s`,
        `sustained (${s.producers} producers): ${s.eventsSent} changes in ${s.seconds} s (${s.offeredPerSecond}/s offered), ${s.completeByPhaseEnd} reached every subscriber within the phase, ${s.lateComplete} more later (${s.drain.drained ? 'all' : 'NOT all'} in ${s.drain.waitedSeconds} s after the phase); ${s.deliveries}/${s.deliveriesExpected} deliveries, p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms`,
        `sustained: ${s.deliveriesPerSecondInPhase} deliveries/s within the phase, ${s.deliveriesPerSecond} deliveries/s first to last; platform CPU ${s.platformCpuSeconds} s (+ Postgres ${s.postgresCpuSeconds} s), ${s.deliveriesPerCpuSecond} deliveries per platform CPU-second; the subscribers' process ${s.subscribersCpuSeconds} s`,
        `subscriptions ended early: ${report.subscriptionsEnded}; errors: ${report.errors}${report.firstError ? ` (first: ${report.firstError})` : ''}`,
        `written to .bench/subscriptions.json (${report.machine.cores} cores, ${report.machine.cpu}, Node ${report.machine.node})`,
        '',
      ].join('\n'),
    );
  } finally {
    process.removeListener('SIGINT', interrupted);
    await driver?.kill();
    await platform.stop();
  }
}
