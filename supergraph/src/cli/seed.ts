/**
 * `npm run seed`: the system roles and the admin account (ADMIN_EMAIL, ADMIN_PASSWORD), on
 * the same databases `npm start` uses. `npm start` runs it on every start; it is idempotent.
 * With the embedded database, stop `npm start` first (one server owns the data folder), or
 * pass POSTGRES_URL / <SUBGRAPH>_DATABASE_URL.
 */
import { ConfigError } from '@platform/service-kit';
import { loadLauncherConfig, provideDatabases } from '../platform/launch.js';
import { adminCredentials, seedPlatform } from '../platform/seed.js';

const say = (line: string) => process.stdout.write(`[seed] ${line}\n`);

try {
  const config = loadLauncherConfig();
  const admin = adminCredentials({
    nodeEnv: process.env.NODE_ENV ?? 'development',
    adminEmail: config.ADMIN_EMAIL,
    adminPassword: config.ADMIN_PASSWORD,
  });
  const databases = await provideDatabases(config, say);
  try {
    const result = await seedPlatform({
      identityDatabaseUrl: databases.urls.identity!,
      authzDatabaseUrl: databases.urls.authz!,
      admin,
    });
    if (result.adminCreated) {
      say(
        admin.generated
          ? `admin account ${admin.email} created with the generated password ${admin.password} (shown once: keep it)`
          : `admin account ${admin.email} created`,
      );
    } else {
      say(`admin account ${admin.email} already exists: unchanged`);
    }
    say(result.authzChanged ? 'roles and assignments updated' : 'roles and assignments already up to date');
  } finally {
    await databases.postgres?.stop();
  }
} catch (error) {
  process.stderr.write(
    error instanceof ConfigError ? `${error.message}\n` : `[seed] failed: ${(error as Error).message}\n`,
  );
  process.exit(1);
}
