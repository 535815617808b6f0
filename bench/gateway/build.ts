/**
 * Builds the gateway processes to plain JavaScript before a run (esbuild, one bundle per
 * module of `gateways/`, packages left external): the gateways then run on plain node,
 * without tsx's module loader, which would otherwise add its own memory to every process,
 * the more so the more modules a gateway loads. Our own workspace packages (`@platform/*`,
 * TypeScript) are bundled in.
 */
import { build, type Plugin } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NAMES } from './gateways/cluster.js';

const gatewaysDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateways');

/** Bare imports stay imports (resolved by node from node_modules), except our TypeScript workspaces. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@platform/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Writes `primary.mjs` and one `<gateway>.mjs` per gateway into `outdir`; returns the primary's path. */
export async function buildGatewayProcesses(outdir: string): Promise<string> {
  await build({
    entryPoints: ['primary', ...GATEWAY_NAMES].map((name) => path.join(gatewaysDir, `${name}.ts`)),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [externalPackages],
    logLevel: 'warning',
  });
  return path.join(outdir, 'primary.mjs');
}
