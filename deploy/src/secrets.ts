/**
 * Generates the platform's secrets (never committed): `npm run deploy:secrets` writes `.env` for
 * docker-compose.yml (mode 0600; an existing file keeps its values and gains what is missing);
 * `npm run deploy:secrets -- kubernetes --namespace <ns> --postgres-host <host:port>` prints one
 * Secret per service (`<name>-secrets`) for `kubectl apply -f -`, from the same `.env`.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateGatewayKeys, randomToken } from '@platform/service-kit';
import { stringify } from 'yaml';
import { declaredSecret, deploymentPlan, placeholders, type DeploymentPlan } from './plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Values for every platform secret the plan names, keeping those `existing` already has. */
export async function platformSecrets(
  plan: DeploymentPlan,
  existing: Record<string, string> = {},
): Promise<Record<string, string>> {
  const values: Record<string, string> = { ...existing };
  if (!values.GATEWAY_SIGNING_KEY || !values.GATEWAY_PUBLIC_JWKS) {
    const keys = await generateGatewayKeys();
    values.GATEWAY_SIGNING_KEY = JSON.stringify(keys.privateJwk);
    values.GATEWAY_PUBLIC_JWKS = JSON.stringify(keys.publicJwks);
  }
  const signingKeys = declaredSecret('auth', 'SIGNING_KEYS');
  if (plan.secretNames.includes(signingKeys) && !values[signingKeys]) {
    const key = await generateGatewayKeys(`auth-${Date.now().toString(36)}`);
    const { kty, crv, x, d, kid } = key.privateJwk as Record<string, string>;
    values[signingKeys] = JSON.stringify([{ kty, crv, x, d, kid }]);
  }
  for (const name of [...plan.secretNames, 'KAFKA_CLUSTER_ID', 'GRAFANA_ADMIN_PASSWORD']) {
    values[name] ??=
      name === 'KAFKA_CLUSTER_ID'
        ? randomToken()
            .replace(/[^A-Za-z0-9]/g, '')
            .slice(0, 22)
        : randomToken();
  }
  return values;
}

/** `.env` as compose reads it: single quotes keep JSON literal. */
const dotenv = (values: Record<string, string>) =>
  `# Written by npm run deploy:secrets: the platform's secrets. Never commit this file.\n${Object.entries(values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}='${value}'`)
    .join('\n')}\n`;

function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

function kubernetesSecrets(
  plan: DeploymentPlan,
  values: Record<string, string>,
  namespace: string,
  postgresHost: string,
): string {
  const resolve = (template: string) =>
    template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
      if (name === 'POSTGRES_HOST') return postgresHost;
      const value = values[name];
      if (value === undefined) throw new Error(`no value for ${name} in .env: run npm run deploy:secrets first`);
      return value;
    });
  return plan.services
    .map((service) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { name: `${service.name}-secrets`, namespace, labels: { 'app.kubernetes.io/name': service.name } },
        stringData: Object.fromEntries(Object.entries(service.secrets).map(([name, value]) => [name, resolve(value)])),
      }),
    )
    .join('---\n');
}

async function main(): Promise<void> {
  const { positionals, values: options } = parseArgs({
    allowPositionals: true,
    options: { namespace: { type: 'string' }, 'postgres-host': { type: 'string' }, file: { type: 'string' } },
  });
  const file = path.resolve(root, options.file ?? '.env');
  const plan = deploymentPlan();
  const existing = existsSync(file) ? parseDotenv(await readFile(file, 'utf8')) : {};
  const values = await platformSecrets(plan, existing);
  if (positionals[0] === 'kubernetes') {
    if (!options.namespace || !options['postgres-host']) {
      throw new Error('usage: npm run deploy:secrets -- kubernetes --namespace <ns> --postgres-host <host:port>');
    }
    process.stdout.write(kubernetesSecrets(plan, values, options.namespace, options['postgres-host']));
  }
  await writeFile(file, dotenv(values), { mode: 0o600 });
  if (positionals[0] !== 'kubernetes')
    process.stderr.write(`wrote ${path.relative(root, file)} (${Object.keys(values).length} secrets)\n`);
  // Every template's placeholders must have a value: a new registry entry is covered the moment it exists.
  for (const service of plan.services) {
    for (const name of Object.values(service.secrets).flatMap(placeholders)) {
      if (name !== 'POSTGRES_HOST' && values[name] === undefined) throw new Error(`${service.name} needs ${name}`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
