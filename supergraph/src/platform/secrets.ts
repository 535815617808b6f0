/**
 * Development secrets: the gateway's proof-signing key and the service credentials for
 * internal calls. Generated on first start and kept in the data folder (mode 0600), so a
 * second start keeps working with the same data. Production passes real secrets instead.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateGatewayKeys, randomToken, type GatewayKeys } from '@platform/service-kit';

export interface PlatformSecrets {
  gatewayKeys: GatewayKeys;
  /** Password of audit's application role, the one that may only read and append to the log. */
  auditAppPassword: string;
  /** Credential a calling service presents to another's internal API, by `caller->callee`. */
  serviceCredentials: Record<string, string>;
}

/** Internal API calls between services: who calls whom. */
export const internalCalls = [
  ['auth', 'identity'],
  ['identity', 'auth'],
  ['identity', 'authz'],
  ['gateway', 'authz'],
  ['authz', 'gateway'],
  ['gateway', 'audit'],
] as const;

export async function generateSecrets(): Promise<PlatformSecrets> {
  const serviceCredentials: Record<string, string> = {};
  for (const [caller, callee] of internalCalls) serviceCredentials[`${caller}->${callee}`] = randomToken('svc_');
  return { gatewayKeys: await generateGatewayKeys(), auditAppPassword: randomToken(), serviceCredentials };
}

export async function loadOrCreateSecrets(dataDir: string): Promise<PlatformSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, 'utf8')) as PlatformSecrets;
    // Calls added since the file was written get credentials too.
    let changed = false;
    for (const [caller, callee] of internalCalls) {
      const key = `${caller}->${callee}`;
      if (!stored.serviceCredentials[key]) {
        stored.serviceCredentials[key] = randomToken('svc_');
        changed = true;
      }
    }
    if (!stored.auditAppPassword) {
      stored.auditAppPassword = randomToken();
      changed = true;
    }
    if (changed) await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    return stored;
  }
  const secrets = await generateSecrets();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
