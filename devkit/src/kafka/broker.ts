/**
 * A real Apache Kafka broker for local development and tests: the broker jars come from
 * Maven Central (fetched once with Maven into `.cache/kafka/<version>/lib`), and a
 * single-node KRaft broker (broker and controller in one JVM) runs on 127.0.0.1 with its
 * data in a folder, so a stopped broker started again keeps its topics and messages.
 * Production points services at a real cluster instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '@platform/service-kit';
import { killWithThisProcess, logTail, runCommand } from '../child-processes.js';

/**
 * The broker version used unless told otherwise: the newest one that kafkajs 2.2.4 fully
 * works with (see docs/adr/0001-kafka-broker-version.md).
 */
export const DEFAULT_KAFKA_VERSION = '4.3.1';

/** Where fetched jars are kept unless told otherwise: `<repo>/.cache/kafka` (git-ignored). */
export const DEFAULT_KAFKA_CACHE_DIR = fileURLToPath(new URL('../../../.cache/kafka', import.meta.url));

/** Pinned so a fetch does not depend on whichever plugin version Maven would pick. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** Kafka 4 logs through log4j 2 (it brings log4j-core); Kafka 3 through slf4j 1.7 and reload4j. */
const LOG4J2_VERSION = '2.25.4';
const SLF4J_RELOAD4J_VERSION = '1.7.36';

/** Written last into a fetched version folder: its presence, and every jar it lists, mean complete. */
const MANIFEST = 'manifest.json';

export interface EnsureKafkaJarsOptions {
  /** Kafka version (`org.apache.kafka:kafka_2.13:<version>`); {@link DEFAULT_KAFKA_VERSION} by default. */
  version?: string;
  /** Folder holding one sub-folder per version; {@link DEFAULT_KAFKA_CACHE_DIR} by default. */
  cacheDir?: string;
}

export interface StartKafkaBrokerOptions {
  /** PLAINTEXT port on 127.0.0.1; a free port by default. */
  port?: number;
  /** Where the broker keeps its data (and, by default, its log); a new temporary folder by default. */
  dataDir?: string;
  version?: string;
  cacheDir?: string;
  /** Broker output (stdout and stderr, appended); `<dataDir>/broker.log` by default. */
  logFile?: string;
  /** How long `start()` waits for the broker to accept clients; 90 s by default. */
  startTimeoutMs?: number;
  /** How long `stop()` waits for a graceful exit before killing the broker; 30 s by default. */
  stopTimeoutMs?: number;
  /** Called when the broker exits without `stop()` or `kill()` having been asked for (a crash). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A running (or stopped) single-node broker. `start()` after `stop()`/`kill()` reuses port and data. */
export interface KafkaBroker {
  /** Bootstrap addresses for clients, e.g. `['127.0.0.1:9092']`. */
  brokers: string[];
  port: number;
  dataDir: string;
  /** Starts the broker if it is not running; resolves once it accepts clients. */
  start(): Promise<void>;
  /** Graceful shutdown (SIGTERM), waiting for the JVM to exit. */
  stop(): Promise<void>;
  /** Abrupt end (SIGKILL), as a crash would be. */
  kill(): Promise<void>;
}

interface Manifest {
  version: string;
  jars: string[];
}

const JAVA_MISSING =
  'Kafka needs Java 17 or newer, and `java` is not on the PATH: install a JDK (e.g. `apt-get install openjdk-17-jdk-headless`), or set KAFKA_BROKERS to use an existing broker';
const MAVEN_MISSING =
  'fetching the Kafka jars needs Maven, and `mvn` is not on the PATH: install it (e.g. `apt-get install maven`), or set KAFKA_BROKERS to use an existing broker';

/** The major version of a Kafka release such as `4.3.1`; anything else is refused. */
function majorVersion(version: string): number {
  const match = /^(\d+)\.\d+\.\d+(?:-[\w.]+)?$/.exec(version);
  if (!match)
    throw new Error(`not a Kafka version: ${JSON.stringify(version)} (expected e.g. ${DEFAULT_KAFKA_VERSION})`);
  return Number(match[1]);
}

/** Refuses early, with a message a developer can act on, when Java is missing or too old. */
async function checkJava(kafkaVersion: string): Promise<void> {
  const { code, output } = await runCommand('java', ['-version'], { missing: JAVA_MISSING });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (code !== 0 || !match) throw new Error(`could not run \`java -version\`:\n${output}`);
  // Java 8 reports itself as "1.8".
  const javaMajor = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  const needed = majorVersion(kafkaVersion) >= 4 ? 17 : 11;
  if (javaMajor < needed) {
    throw new Error(`Kafka ${kafkaVersion} needs Java ${needed} or newer; \`java\` on the PATH is Java ${javaMajor}`);
  }
}

/** The minimal pom whose runtime dependencies are everything a KRaft broker needs. */
function brokerPom(version: string): string {
  const dependency = (groupId: string, artifactId: string, artifactVersion: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${artifactVersion}</version></dependency>`;
  // kafka_2.13 brings kafka-server, kafka-metadata, kafka-raft, kafka-storage and the
  // coordinators as runtime dependencies; the storage formatter (kafka.tools.StorageTool)
  // lives in kafka_2.13 itself. Only a logging backend is missing.
  const logging =
    majorVersion(version) >= 4
      ? [
          dependency('org.apache.logging.log4j', 'log4j-api', LOG4J2_VERSION),
          dependency('org.apache.logging.log4j', 'log4j-core', LOG4J2_VERSION),
          dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J2_VERSION),
        ]
      : [dependency('org.slf4j', 'slf4j-reload4j', SLF4J_RELOAD4J_VERSION)];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- Generated by devkit/src/kafka/broker.ts: the jars of a local Kafka broker. -->',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.platform</groupId>',
    '  <artifactId>kafka-broker-jars</artifactId>',
    `  <version>${version}</version>`,
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dependency('org.apache.kafka', 'kafka_2.13', version),
    ...logging,
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/** True when `versionDir` holds a manifest and every jar it lists. */
async function isComplete(versionDir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(path.join(versionDir, MANIFEST), 'utf8')) as Manifest;
    if (!Array.isArray(manifest.jars) || manifest.jars.length === 0) return false;
    for (const jar of manifest.jars) {
      if ((await stat(path.join(versionDir, 'lib', jar))).size === 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Downloads into a private folder next to the cache entry; returns that folder. */
async function downloadJars(version: string, cacheDir: string): Promise<string> {
  const workDir = await mkdtemp(path.join(cacheDir, `.fetch-${version}-`));
  try {
    await writeFile(path.join(workDir, 'pom.xml'), brokerPom(version));
    const { code, output } = await runCommand(
      'mvn',
      [
        '-q',
        '-B',
        // Retry artifacts an earlier, failed fetch recorded as missing.
        '-U',
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        '-DoutputDirectory=lib',
      ],
      { cwd: workDir, missing: MAVEN_MISSING },
    );
    if (code !== 0) {
      // Maven's first error names the missing artifact; the rest is advice about -e and -X.
      const errors = stripVTControlCharacters(output)
        .split('\n')
        .map((line) => line.replace(/ -> \[Help 1\]$/, ''))
        .filter((line) => /^\[ERROR\] \S/.test(line) && !/re-run maven|for more information|\[help 1\]/i.test(line))
        .slice(0, 3)
        .join('\n');
      throw new Error(
        `could not fetch org.apache.kafka:kafka_2.13:${version} and its dependencies from Maven Central (mvn exited with ${code}):\n${errors || stripVTControlCharacters(output)}`,
      );
    }
    const jars = (await readdir(path.join(workDir, 'lib'))).filter((name) => name.endsWith('.jar')).sort();
    if (!jars.some((jar) => jar.startsWith('kafka_2.13-'))) {
      throw new Error(`Maven finished but no kafka_2.13 jar was copied into ${workDir}/lib`);
    }
    const manifest: Manifest = { version, jars };
    await writeFile(path.join(workDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return workDir;
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

const fetches = new Map<string, Promise<string>>();

/**
 * Makes sure the jars of Kafka `version` are in `<cacheDir>/<version>/lib` and returns that
 * folder. A complete cache entry is reused; an incomplete one is fetched again. Jars are
 * downloaded into a private folder and renamed into place, so two processes fetching at
 * once both end with the same complete folder.
 */
export function ensureKafkaJars(options: EnsureKafkaJarsOptions = {}): Promise<string> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const cacheDir = path.resolve(options.cacheDir ?? DEFAULT_KAFKA_CACHE_DIR);
  const key = `${cacheDir}\0${version}`;
  let fetch = fetches.get(key);
  if (!fetch) {
    fetch = fetchJars(version, cacheDir).finally(() => fetches.delete(key));
    fetches.set(key, fetch);
  }
  return fetch;
}

async function fetchJars(version: string, cacheDir: string): Promise<string> {
  majorVersion(version); // the version becomes a folder name and part of the pom: refuse anything odd
  const versionDir = path.join(cacheDir, version);
  const libDir = path.join(versionDir, 'lib');
  if (await isComplete(versionDir)) return libDir;

  await mkdir(cacheDir, { recursive: true });
  const downloaded = await downloadJars(version, cacheDir);
  try {
    // Move an incomplete entry out of the way (another process may have just done so).
    if (existsSync(versionDir) && !(await isComplete(versionDir))) {
      const stale = `${downloaded}.stale`;
      await rename(versionDir, stale).then(
        () => rm(stale, { recursive: true, force: true }),
        () => undefined,
      );
    }
    await rename(downloaded, versionDir);
  } catch (error) {
    // Another process renamed its own complete download into place first: use that one.
    if (!(await isComplete(versionDir))) throw error;
  } finally {
    await rm(downloaded, { recursive: true, force: true });
  }
  return libDir;
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, never starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

interface BrokerFiles {
  dataDir: string;
  logDirs: string;
  properties: string;
  clusterIdFile: string;
  logConfig: string;
  logFile: string;
}

function serverProperties(version: string, port: number, controllerPort: number, logDirs: string): string {
  const settings: [string, string | number][] = [
    // One JVM is both the KRaft controller and the broker.
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@127.0.0.1:${controllerPort}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', logDirs],
    ['auto.create.topics.enable', 'true'],
    ['num.partitions', 3],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    // A single broker cannot hold three replicas of the internal topics.
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    // Fewer internal partitions than the default 50: created faster, loaded faster on restart.
    ['offsets.topic.num.partitions', 5],
    ['transaction.state.log.num.partitions', 5],
    // Tests start consumers one at a time; waiting for more members only slows them down.
    ['group.initial.rebalance.delay.ms', 0],
    // Sized for a two-core machine and a 512 MB heap.
    ['num.network.threads', 2],
    ['num.io.threads', 2],
    ['background.threads', 2],
    ['num.recovery.threads.per.data.dir', 1],
    ['log.cleaner.threads', 1],
    ['log.cleaner.dedupe.buffer.size', 16 * 1024 * 1024],
  ];
  if (majorVersion(version) >= 4) {
    settings.push(
      ['share.coordinator.state.topic.replication.factor', 1],
      ['share.coordinator.state.topic.min.isr', 1],
    );
  }
  return `# Written by devkit/src/kafka/broker.ts on every start.\n${settings.map(([key, value]) => `${key}=${value}`).join('\n')}\n`;
}

/** Broker logs go to stdout at INFO (noisy loggers at WARN); stdout is redirected to the log file. */
function loggingConfig(version: string): string {
  const quiet = ['kafka.request.logger', 'state.change.logger', 'org.apache.kafka.clients', 'kafka.log.LogCleaner'];
  if (majorVersion(version) >= 4) {
    return [
      'status = warn',
      'appender.stdout.type = Console',
      'appender.stdout.name = STDOUT',
      'appender.stdout.layout.type = PatternLayout',
      'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = info',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      ...quiet.flatMap((name, index) => [`logger.quiet${index}.name = ${name}`, `logger.quiet${index}.level = warn`]),
      '',
    ].join('\n');
  }
  return [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ...quiet.map((name) => `log4j.logger.${name}=WARN`),
    '',
  ].join('\n');
}

function jvmArgs(version: string, libDir: string, logConfig: string): string[] {
  const logging =
    majorVersion(version) >= 4 ? `-Dlog4j2.configurationFile=${logConfig}` : `-Dlog4j.configuration=file:${logConfig}`;
  return [
    // A development broker on a two-core machine: small heap, one GC thread, quick JIT start.
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    logging,
    '-cp',
    path.join(libDir, '*'),
  ];
}

/** The cluster id a formatted data folder belongs to. */
async function formattedClusterId(logDirs: string): Promise<string | undefined> {
  try {
    const meta = await readFile(path.join(logDirs, 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Formats the data folder on first use (the cluster id is kept in the folder, so an
 * interrupted first start formats with the same id) and returns the folder's cluster id.
 */
async function formatStorage(version: string, libDir: string, files: BrokerFiles): Promise<string> {
  const formatted = await formattedClusterId(files.logDirs);
  if (formatted) return formatted;
  let clusterId: string;
  if (existsSync(files.clusterIdFile)) {
    clusterId = (await readFile(files.clusterIdFile, 'utf8')).trim();
  } else {
    clusterId = newClusterId();
    await writeFile(files.clusterIdFile, `${clusterId}\n`);
  }
  const { code, output } = await runCommand(
    'java',
    [
      ...jvmArgs(version, libDir, files.logConfig),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      files.properties,
      '--ignore-formatted',
    ],
    { missing: JAVA_MISSING },
  );
  await writeFile(files.logFile, output, { flag: 'a' });
  if (code !== 0) throw new Error(`formatting Kafka storage in ${files.logDirs} failed (exit ${code}):\n${output}`);
  return clusterId;
}

/** Resolves once the broker of cluster `clusterId` answers a metadata request and lists itself. */
async function waitUntilReady(
  address: string,
  clusterId: string,
  exited: () => boolean,
  deadline: number,
): Promise<void> {
  const admin = new Kafka({
    clientId: 'kafka-broker-readiness',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      if (exited()) throw new Error('the broker exited while starting');
      const cluster = await admin
        .connect()
        .then(() => admin.describeCluster())
        .catch(async (error: unknown) => {
          lastError = error;
          await admin.disconnect().catch(() => undefined);
          return undefined;
        });
      if (cluster && cluster.clusterId !== clusterId) {
        throw new Error(`${address} answers for cluster ${cluster.clusterId}, not for ours (${clusterId})`);
      }
      if (cluster && cluster.brokers.length > 0 && cluster.controller !== null) return;
      if (cluster) lastError = new Error('the broker is up but not registered yet');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`the broker did not accept clients in time: ${String(lastError)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Starts a single-node KRaft broker on 127.0.0.1 (formatting `dataDir` on first use) and
 * resolves once it accepts clients. Jars are fetched first if needed.
 */
export async function startKafkaBroker(options: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const port = options.port ?? (await freePort());
  const dataDir = path.resolve(options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'kafka-broker-'))));
  const files: BrokerFiles = {
    dataDir,
    logDirs: path.join(dataDir, 'kafka-logs'),
    properties: path.join(dataDir, 'server.properties'),
    clusterIdFile: path.join(dataDir, 'cluster-id'),
    logConfig: path.join(dataDir, majorVersion(version) >= 4 ? 'log4j2.properties' : 'log4j.properties'),
    logFile: path.resolve(options.logFile ?? path.join(dataDir, 'broker.log')),
  };
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const address = `127.0.0.1:${port}`;

  await checkJava(version);
  const libDir = await ensureKafkaJars({ version, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
  await mkdir(dataDir, { recursive: true });
  await mkdir(path.dirname(files.logFile), { recursive: true });

  let controllerPort = await freePort();
  let child: ChildProcess | undefined;
  /** True once `stop()`/`kill()` was asked for, so that exit is not reported as a crash. */
  let ending = false;
  let exit: Promise<void> = Promise.resolve();

  let starting: Promise<void> | undefined;
  function start(): Promise<void> {
    starting ??= launch().finally(() => (starting = undefined));
    return starting;
  }

  async function launch(): Promise<void> {
    if (child) return;
    // Without this check, a broker already on the port would answer the readiness probe.
    if (!(await isFree(port))) throw new Error(`cannot start Kafka on ${address}: the port is already in use`);
    // The controller port is ours only while the broker runs; pick another if it was taken meanwhile.
    if (controllerPort === port || !(await isFree(controllerPort))) controllerPort = await freePort();
    await writeFile(files.properties, serverProperties(version, port, controllerPort, files.logDirs));
    await writeFile(files.logConfig, loggingConfig(version));
    const clusterId = await formatStorage(version, libDir, files);

    const log = openSync(files.logFile, 'a');
    let started: ChildProcess;
    try {
      started = spawn('java', [...jvmArgs(version, libDir, files.logConfig), 'kafka.Kafka', files.properties], {
        cwd: dataDir,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    let exited = false;
    let ready = false;
    ending = false;
    exit = new Promise((resolve) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (exited) return;
        exited = true;
        if (child === started) child = undefined;
        if (!ending && ready) options.onUnexpectedExit?.(code, signal);
        resolve();
      };
      started.once('exit', onExit);
      started.once('error', () => onExit(null, null));
    });
    child = started;
    killWithThisProcess(started);
    try {
      await waitUntilReady(address, clusterId, () => exited, Date.now() + startTimeoutMs);
      ready = true;
    } catch (error) {
      await end('SIGKILL');
      throw new Error(
        `Kafka ${version} on ${address} did not start: ${error instanceof Error ? error.message : String(error)}\n` +
          `last lines of ${files.logFile}:\n${await logTail(files.logFile, '(no broker log)')}`,
      );
    }
  }

  async function end(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const current = child;
    if (!current) return;
    ending = true;
    current.kill(signal);
    const timer = signal === 'SIGTERM' ? setTimeout(() => current.kill('SIGKILL'), stopTimeoutMs).unref() : undefined;
    await exit;
    if (timer) clearTimeout(timer);
  }

  await start();
  return {
    brokers: [address],
    port,
    dataDir,
    start,
    // A stop asked for while the broker is starting waits for the start to settle first.
    stop: async () => {
      await starting?.catch(() => undefined);
      await end('SIGTERM');
    },
    kill: async () => {
      await starting?.catch(() => undefined);
      await end('SIGKILL');
    },
  };
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
