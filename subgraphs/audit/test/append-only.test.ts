import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { appDatabaseUrl, ensureAppRole } from '../src/domain/app-role.js';
import { createAuditLogStore } from '../src/stores/audit-log-store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '@platform/devkit/testing';
import {
  administrator,
  cloudEvent,
  startAudit,
  VERIFY_AUDIT_CHAIN,
  type AuditHarness,
  type VerifyData,
} from './support.js';

/** The Postgres error code and message a statement fails with, or null when it succeeds. */
async function failure(run: () => Promise<unknown>): Promise<{ code: string; message: string } | null> {
  try {
    await run();
    return null;
  } catch (error) {
    const pgError = error as { code?: string; message?: string };
    // knex prefixes Postgres' message with the statement.
    return { code: pgError.code ?? '', message: (pgError.message ?? '').split(' - ').at(-1) ?? '' };
  }
}

const DENIED = { code: '42501', message: 'permission denied for table audit_log' };

describe('the audit log is append-only and tamper-evident', () => {
  let audit: AuditHarness;
  let someId: string;
  beforeAll(async () => {
    audit = await startAudit();
    for (let index = 0; index < 5; index += 1) await audit.subgraph.exposed.record(cloudEvent());
    someId = (await audit.subgraph.exposed.record(cloudEvent())).event.id;
  });
  afterAll(() => audit.stop());

  describe('for the application role the service works as', () => {
    it('can log in, and holds SELECT and INSERT on audit_log and nothing else', async () => {
      const { rows } = await audit.db.raw<{
        rows: { rolcanlogin: boolean; rolsuper: boolean; privileges: string[] }[];
      }>(
        `select r.rolcanlogin, r.rolsuper,
           array(select p from unnest(array['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p
                 where has_table_privilege(r.rolname, 'audit_log', p) order by p) as privileges
         from pg_roles r where r.rolname = ?`,
        [audit.role],
      );
      expect(rows[0]).toEqual({ rolcanlogin: true, rolsuper: false, privileges: ['INSERT', 'SELECT'] });
      const { rows: current } = await audit.app.raw<{ rows: { user: string }[] }>('select current_user as user');
      expect(current[0]!.user).toBe(audit.role);
    });

    it('refuses UPDATE with permission denied', async () => {
      expect(
        await failure(() => audit.app.raw("update audit_log set action = 'x.y.z' where id = ?", [someId])),
      ).toMatchObject(DENIED);
    });

    it('refuses DELETE with permission denied', async () => {
      expect(await failure(() => audit.app.raw('delete from audit_log where id = ?', [someId]))).toMatchObject(DENIED);
    });

    it('refuses TRUNCATE with permission denied', async () => {
      expect(await failure(() => audit.app.raw('truncate audit_log'))).toMatchObject(DENIED);
    });

    it('cannot create tables, read the migrations table or turn the triggers off', async () => {
      expect(await failure(() => audit.app.raw('create table shadow (id int)'))).toMatchObject({ code: '42501' });
      expect(await failure(() => audit.app.raw('select * from knex_migrations'))).toMatchObject({ code: '42501' });
      expect(await failure(() => audit.app.raw('alter table audit_log disable trigger all'))).toMatchObject({
        code: '42501',
      });
    });
  });

  describe('ensuring the application role', () => {
    it('updates an existing role to log in with the new password, and refuses a superuser', async () => {
      const role = `${audit.role}_x`;
      const canLogIn = async (password: string) => {
        const client = new pg.Client({ connectionString: appDatabaseUrl(audit.config.DATABASE_URL, role, password) });
        try {
          await client.connect();
          await client.query('select 1 from audit_log limit 1');
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      };
      try {
        await ensureAppRole(audit.db, role, 'first-password-0123456789');
        await ensureAppRole(audit.db, role, 'second-password-0123456789');
        expect(await canLogIn('first-password-0123456789')).toBe(false);
        expect(await canLogIn('second-password-0123456789')).toBe(true);
        await audit.db.raw(`alter role "${role}" superuser`);
        await expect(ensureAppRole(audit.db, role, 'third-password-0123456789')).rejects.toThrow(/is a superuser/);
      } finally {
        await audit.db.raw(`drop owned by "${role}"`);
        await audit.db.raw(`drop role "${role}"`);
      }
    });
  });

  describe('for the owner, and any role with privileges', () => {
    it('refuses UPDATE, DELETE and TRUNCATE through the triggers', async () => {
      const attempts: [string, () => Promise<unknown>][] = [
        ['UPDATE', () => audit.db.raw("update audit_log set action = 'x.y.z' where id = ?", [someId])],
        ['DELETE', () => audit.db.raw('delete from audit_log where id = ?', [someId])],
        ['TRUNCATE', () => audit.db.raw('truncate audit_log')],
        // Even a statement that would touch no row.
        ['DELETE', () => audit.db.raw('delete from audit_log where id = ?', [randomUUID()])],
      ];
      for (const [operation, attempt] of attempts) {
        expect(await failure(attempt)).toEqual({
          code: '42501',
          message: `audit_log is append-only: ${operation} is not allowed`,
        });
      }
      expect((await audit.subgraph.exposed.verifyChain()).valid).toBe(true);
    });
  });

  describe('when a superuser disables the triggers and rewrites history', () => {
    /** `audit_chain_verifications_total{result="broken"}` on the subgraph's /metrics. */
    const brokenVerifications = async () => {
      const text = await (await fetch(`${audit.url}/metrics`)).text();
      const sample = /^audit_chain_verifications_total\{[^}]*result="broken"[^}]*\} (\d+)$/m.exec(text);
      if (!sample) throw new Error(`no audit_chain_verifications_total{result="broken"} in /metrics:\n${text}`);
      return Number(sample[1]);
    };

    it('reports the altered row as the first broken one', async () => {
      const { body: before } = await audit.graphql<VerifyData>(VERIFY_AUDIT_CHAIN, {}, administrator());
      expect(before.data?.verifyAuditChain).toMatchObject({ valid: true, firstBrokenId: null });
      const total = before.data!.verifyAuditChain.checked;

      const victim = (await audit.subgraph.exposed.record(cloudEvent({ data: { outcome: 'DENIED' } }))).event;
      await audit.subgraph.exposed.record(cloudEvent());
      await audit.db.raw(`
        alter table audit_log disable trigger all;
        update audit_log set outcome = 'SUCCESS' where id = '${victim.id}';
        alter table audit_log enable trigger all;
      `);

      const brokenBefore = await brokenVerifications();
      const { body } = await audit.graphql<VerifyData>(VERIFY_AUDIT_CHAIN, {}, administrator());
      expect(body.data?.verifyAuditChain).toEqual({ valid: false, checked: total + 1, firstBrokenId: victim.id });
      expect(audit.logs().some((line) => line.includes('the audit log hash chain is broken'))).toBe(true);
      // What pages someone (deploy/monitoring/alerts.yml: AuditChainBroken).
      expect(await brokenVerifications()).toBe(brokenBefore + 1);

      // Recomputing the altered row's hash only moves the break to the row after it.
      await audit.db.raw(`
        alter table audit_log disable trigger all;
        update audit_log set outcome = 'DENIED' where id = '${victim.id}';
        alter table audit_log enable trigger all;
      `);
      expect(await audit.subgraph.exposed.verifyChain()).toMatchObject({ valid: true });
    });

    it('reports the row after a removed one as broken', async () => {
      const removed = (await audit.subgraph.exposed.record(cloudEvent())).event;
      const next = (await audit.subgraph.exposed.record(cloudEvent())).event;
      await audit.db.raw(`
        alter table audit_log disable trigger all;
        delete from audit_log where id = '${removed.id}';
        alter table audit_log enable trigger all;
      `);
      expect(await audit.subgraph.exposed.verifyChain()).toMatchObject({ valid: false, firstBrokenId: next.id });

      // Put back, the chain is whole again.
      await createAuditLogStore(audit.db).insert(removed);
      expect(await audit.subgraph.exposed.verifyChain()).toMatchObject({ valid: true });
    });

    it('answers verifyAuditChain only to holders of audit.log.verify', async () => {
      const { body } = await audit.graphql(VERIFY_AUDIT_CHAIN, {}, signedIn(randomUUID(), ['audit.log.read']));
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
