/**
 * Builds the gateway processes to plain JavaScript before a run (esbuild, one bundle per
 * module of `gateways/`, packages left external): the gateways then run on plain node,
 * without tsx's module loader, which would otherwise add its own memory to every process,
 * the more so the more modules a gateway loads. Our own workspace packages (`@platform/*`,
 * TypeScript) are bundled in.
 */
import { build, type Plugin } from 'esbuild';
import path from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GATEWAY_NAMES } from './gateways/cluster.js';

const gatewaysDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateways');

/**
 * Bare imports stay imports, except our TypeScript workspaces, which are bundled. An external
 * import is written as the absolute file esbuild resolved from the importing module: a
 * workspace may have its own copy of a package (service-kit's ajv 8 beside the root's ajv 6),
 * and node, resolving from the bundle's folder, would otherwise find the wrong one.
 */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@platform/') || args.pluginData === 'resolving') return undefined;
      if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
      const resolved = await context.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0) return { path: args.path, external: true };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
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
    // Without esbuild's default `module` condition: an external import must resolve to the file
    // node itself would load (@opentelemetry/api's `module` build is not loadable ESM for node).
    conditions: ['node'],
    format: 'esm',
    target: 'node20',
    plugins: [externalPackages],
    logLevel: 'warning',
  });
  return path.join(outdir, 'primary.mjs');
}
