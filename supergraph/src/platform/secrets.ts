/**
 * Development secrets: the gateway's proof-signing key, the service credentials for internal
 * calls (one per caller and callee the registry declares) and the secrets subgraph definitions
 * ask for (`development.secrets`). Generated on first start and kept in the data folder (mode
 * 0600), so a second start keeps working with the same data; whatever the registry asks for
 * later is added then. Production passes real secrets instead.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateGatewayKeys, randomToken, type GatewayKeys } from '@platform/service-kit';
import { internalCalls, platformRegistry, type Registry } from './services.js';

export interface PlatformSecrets {
  gatewayKeys: GatewayKeys;
  /** Credential a calling service presents to another's internal API, by `caller->callee`. */
  serviceCredentials: Record<string, string>;
  /** The secrets subgraphs declare in `development.secrets`, by subgraph and variable. */
  variables: Record<string, Record<string, string>>;
}

/** Adds whatever the registry asks for and `secrets` lacks; true when something was added. */
function complete(secrets: PlatformSecrets, registry: Registry): boolean {
  let changed = false;
  for (const [caller, callee] of internalCalls(registry)) {
    const key = `${caller}->${callee}`;
    if (!secrets.serviceCredentials[key]) {
      secrets.serviceCredentials[key] = randomToken('svc_');
      changed = true;
    }
  }
  for (const subgraph of registry.subgraphs) {
    for (const variable of subgraph.development?.secrets ?? []) {
      const own = (secrets.variables[subgraph.name] ??= {});
      if (!own[variable]) {
        own[variable] = randomToken();
        changed = true;
      }
    }
  }
  return changed;
}

export async function generateSecrets(registry: Registry = platformRegistry): Promise<PlatformSecrets> {
  const secrets: PlatformSecrets = { gatewayKeys: await generateGatewayKeys(), serviceCredentials: {}, variables: {} };
  complete(secrets, registry);
  return secrets;
}

export async function loadOrCreateSecrets(dataDir: string): Promise<PlatformSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<PlatformSecrets> & { gatewayKeys: GatewayKeys };
    const secrets: PlatformSecrets = {
      gatewayKeys: stored.gatewayKeys,
      serviceCredentials: stored.serviceCredentials ?? {},
      variables: stored.variables ?? {},
    };
    if (complete(secrets, platformRegistry)) await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
  const secrets = await generateSecrets();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
