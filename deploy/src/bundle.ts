/**
 * Compiles one service of the registry for its container image (run in the Dockerfile's build
 * stage): `tsx deploy/src/bundle.ts <service> <out>` writes
 *   <out>/dist/main.mjs          the service as one ESM bundle (no tsx at run time)
 *   <out>/node_modules/…         only the native packages the bundle leaves external, with their dependencies
 *   <out>/migrations/<name>/*.js the subgraph's migrations, compiled
 *   <out>/subgraphs/<name>/src/schema.graphql, <out>/events/…, <out>/supergraph/supergraph.graphql
 * Code finds its files relative to its own module (`new URL('./schema.graphql', import.meta.url)`,
 * `../../../migrations/<name>/`, the event catalog): each module's `import.meta.url` is rewritten
 * to where its source file sits in the repository, relative to the bundle, and the files are
 * copied to the same places under <out>, so every such URL resolves as it does from source.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploymentPlan } from './plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Native addons cannot be bundled; they are copied with their dependencies instead. */
const NATIVE = ['argon2'];
/** Optional drivers that knex and pg require lazily and that this platform never loads (it speaks pg only). */
const NEVER_LOADED = [
  'pg-native',
  'pg-query-stream',
  'mysql',
  'mysql2',
  'sqlite3',
  'better-sqlite3',
  'tedious',
  'oracledb',
  'pino-pretty',
  'mariadb',
  'mariadb/callback',
  'pg-cursor',
];

/** Rewrites `import.meta.url` in our own modules to their repository location, seen from `<out>/dist/`. */
const repositoryUrls: Plugin = {
  name: 'repository-urls',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (args.path.includes(`${path.sep}node_modules${path.sep}`) || !source.includes('import.meta.url')) {
        return undefined;
      }
      const fromDist = `../${path.relative(root, args.path).split(path.sep).join('/')}`;
      const url = `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/** Copies `name` and, recursively, its production dependencies from the root node_modules. */
async function copyPackage(name: string, out: string, seen = new Set<string>()): Promise<void> {
  if (seen.has(name)) return;
  seen.add(name);
  const from = path.join(root, 'node_modules', name);
  await cp(from, path.join(out, 'node_modules', name), { recursive: true, dereference: true });
  const manifest = JSON.parse(await readFile(path.join(from, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) await copyPackage(dependency, out, seen);
}

async function bundleService(service: string, out: string): Promise<void> {
  const plan = deploymentPlan().services.find((candidate) => candidate.name === service);
  if (!plan) throw new Error(`no service "${service}" in subgraphs/registry.ts`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    keepNames: true,
    // Stack traces point into the TypeScript sources; the sources themselves stay out of the image.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    external: [...NATIVE, ...NEVER_LOADED],
    // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    plugins: [repositoryUrls],
    logLevel: 'warning',
  } satisfies BuildOptions;
  const result = await build({
    ...common,
    entryPoints: [path.join(root, plan.entry)],
    outfile: path.join(out, 'dist', 'main.mjs'),
  });

  const externals = new Set(
    Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((entry) => entry.external).map((entry) => entry.path),
    ),
  );
  for (const name of NATIVE) if (externals.has(name)) await copyPackage(name, out);

  // The compiled migrations are ES modules: say so, rather than leave Node to guess from their syntax.
  await writeFile(path.join(out, 'package.json'), `${JSON.stringify({ private: true, type: 'module' })}\n`);
  // The image's HEALTHCHECK: GET /healthz on the port the service listens on.
  await writeFile(
    path.join(out, 'dist', 'healthcheck.mjs'),
    `const port = process.env.PORT || ${JSON.stringify(String(plan.port))};\n` +
      'fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) })\n' +
      '  .then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1));\n',
  );
  await cp(path.join(root, 'events', 'common.schema.json'), path.join(out, 'events', 'common.schema.json'));
  await cp(path.join(root, 'events', 'catalog'), path.join(out, 'events', 'catalog'), { recursive: true });
  if (plan.kind === 'gateway') {
    await cp(path.join(root, 'supergraph', 'supergraph.graphql'), path.join(out, 'supergraph', 'supergraph.graphql'));
    return;
  }
  await cp(
    path.join(root, 'subgraphs', service, 'src', 'schema.graphql'),
    path.join(out, 'subgraphs', service, 'src', 'schema.graphql'),
  );
  // The migration step run before the new version starts (a Kubernetes init container).
  await build({
    ...common,
    stdin: {
      contents: migrateEntry(service),
      resolveDir: path.join(root, 'deploy', 'src'),
      sourcefile: 'migrate.ts',
      loader: 'ts',
    },
    outfile: path.join(out, 'dist', 'migrate.mjs'),
  });
  const migrations = path.join(root, 'migrations', service);
  const files = (await readdir(migrations)).filter((file) => /^\d{14}_[a-z0-9_]+\.ts$/.test(file));
  if (files.length > 0) {
    await build({
      entryPoints: files.map((file) => path.join(migrations, file)),
      outdir: path.join(out, 'migrations', service),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    });
  }
}

/** `node dist/migrate.mjs`: applies the subgraph's pending migrations to DATABASE_URL, then exits. */
function migrateEntry(service: string): string {
  return `
import { fileURLToPath } from 'node:url';
import { createDatabase, migrateToLatest } from '@platform/service-kit';
const url = process.env.DATABASE_URL;
if (!url) { process.stderr.write('DATABASE_URL is required\\n'); process.exit(2); }
const db = createDatabase({ url, poolMax: 1, applicationName: ${JSON.stringify(`${service}-migrate`)} });
try {
  const applied = await migrateToLatest(db, fileURLToPath(new URL(${JSON.stringify(`../migrations/${service}/`)}, import.meta.url)));
  process.stdout.write(JSON.stringify({ service: ${JSON.stringify(service)}, migrations: applied }) + '\\n');
} finally {
  await db.destroy();
}
`;
}

const [service, out] = process.argv.slice(2);
if (!service || !out) {
  process.stderr.write('usage: tsx deploy/src/bundle.ts <service> <out-dir>\n');
  process.exit(2);
}
await bundleService(service, path.resolve(out));
