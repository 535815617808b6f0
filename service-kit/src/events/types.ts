/**
 * The TypeScript side of the event catalog (`events/catalog/*.json`): one entry per event
 * type, written by hand next to the schemas. `test/events/catalog.test.ts` checks that every
 * catalog file has an entry here and that an example of each type passes its schema, so the
 * two cannot drift apart silently.
 */

/** Who caused an event and on what, plus the request it came from: in every event's data. */
export interface AuditFields<TargetType extends TargetKind = TargetKind> {
  /** The user who caused the event; null for the platform itself or an anonymous caller. */
  actorId: string | null;
  target: { type: TargetType; id: string };
  context: RequestContext;
}

export type TargetKind = 'user' | 'session' | 'role' | 'operation';

/** Every field is null when no request caused the event (a background job). */
export interface RequestContext {
  requestId: string | null;
  /** W3C trace id: 32 lower-case hex digits. */
  traceId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export type Outcome = 'success' | 'failure' | 'denied';

interface AuthzChange {
  /** authz's permissions version after the change. */
  permissionsVersion: number;
}

export interface DeniedField {
  /** Response path of the removed field, e.g. `user.email`. */
  path: string;
  /** Schema coordinate, e.g. `User.email`. */
  coordinate: string;
  requirement: 'authenticated' | 'requiresScopes' | 'policy';
}

/** The `data` of each event type, keyed by CloudEvents `type`. */
export interface EventDataByType {
  'platform.identity.user.registered.v1': AuditFields<'user'> & {
    userId: string;
    email: string;
    name: string;
    emailVerified: boolean;
  };
  'platform.identity.user.updated.v1': AuditFields<'user'> & {
    userId: string;
    changedFields: ('name' | 'email')[];
    name?: string;
    email?: string;
  };
  'platform.identity.user.deleted.v1': AuditFields<'user'> & { userId: string; reason: string | null };
  'platform.identity.user.email_verified.v1': AuditFields<'user'> & { userId: string; email: string };
  'platform.identity.user.password_changed.v1': AuditFields<'user'> & {
    userId: string;
    otherSessionsRevoked: boolean;
  };
  'platform.identity.user.password_reset.v1': AuditFields<'user'> & { userId: string; sessionsRevoked: boolean };
  'platform.auth.login.succeeded.v1': AuditFields<'session'> & {
    userId: string;
    sessionId: string;
    outcome: 'success';
  };
  'platform.auth.login.failed.v1': AuditFields<'user'> & {
    userId: string | null;
    email: string;
    reason: 'invalid_credentials' | 'unknown_user' | 'account_locked' | 'rate_limited';
    outcome: 'failure';
  };
  'platform.auth.account.locked.v1': AuditFields<'user'> & {
    userId: string;
    failedAttempts: number;
    /** ISO 8601 date-time. */
    lockedUntil: string;
    reason: string;
  };
  'platform.auth.refresh_token.reuse_detected.v1': AuditFields<'session'> & {
    userId: string;
    sessionId: string;
    outcome: 'denied';
  };
  'platform.auth.session.revoked.v1': AuditFields<'session'> & { userId: string; sessionId: string; reason: string };
  'platform.authz.role.created.v1': AuditFields<'role'> &
    AuthzChange & { roleId: string; name: string; description: string | null; permissions: string[] };
  'platform.authz.role.changed.v1': AuditFields<'role'> &
    AuthzChange & {
      roleId: string;
      changedFields: ('name' | 'description')[];
      name?: string;
      description?: string | null;
    };
  'platform.authz.role.deleted.v1': AuditFields<'role'> & AuthzChange & { roleId: string; name: string };
  'platform.authz.permission.granted.v1': AuditFields<'role'> & AuthzChange & { roleId: string; permission: string };
  'platform.authz.permission.revoked.v1': AuditFields<'role'> & AuthzChange & { roleId: string; permission: string };
  'platform.authz.role.assigned.v1': AuditFields<'user'> &
    AuthzChange & { userId: string; roleId: string; roleName: string };
  'platform.authz.role.unassigned.v1': AuditFields<'user'> &
    AuthzChange & { userId: string; roleId: string; roleName: string };
  'platform.gateway.authorization.denied.v1': AuditFields<'operation'> & {
    userId: string | null;
    operationName: string | null;
    operationType: 'query' | 'mutation' | 'subscription';
    /** SHA-256 (hex) of the operation document. */
    operationHash: string;
    deniedFields: DeniedField[];
    outcome: 'denied';
  };
}

export type EventType = keyof EventDataByType;

/** Every event type of the catalog, for iteration (checked against the catalog folder by a test). */
export const EVENT_TYPES = [
  'platform.identity.user.registered.v1',
  'platform.identity.user.updated.v1',
  'platform.identity.user.deleted.v1',
  'platform.identity.user.email_verified.v1',
  'platform.identity.user.password_changed.v1',
  'platform.identity.user.password_reset.v1',
  'platform.auth.login.succeeded.v1',
  'platform.auth.login.failed.v1',
  'platform.auth.account.locked.v1',
  'platform.auth.refresh_token.reuse_detected.v1',
  'platform.auth.session.revoked.v1',
  'platform.authz.role.created.v1',
  'platform.authz.role.changed.v1',
  'platform.authz.role.deleted.v1',
  'platform.authz.permission.granted.v1',
  'platform.authz.permission.revoked.v1',
  'platform.authz.role.assigned.v1',
  'platform.authz.role.unassigned.v1',
  'platform.gateway.authorization.denied.v1',
] as const satisfies readonly EventType[];

// Fails to compile when EVENT_TYPES misses a key of EventDataByType.
type MissingFromList = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
const _everyTypeListed: [MissingFromList] extends [never] ? true : MissingFromList = true;

/** A CloudEvents 1.0 event in JSON structured mode, as the platform emits it. */
export interface CloudEvent<T extends EventType = EventType> {
  specversion: '1.0';
  /** uuid; also the outbox row id and the consumers' deduplication key. */
  id: string;
  /** The emitting domain, e.g. `/platform/identity`. */
  source: string;
  type: T;
  /** The aggregate id: the Kafka message key, so one aggregate's events stay in order. */
  subject: string;
  /** RFC 3339 timestamp of the change. */
  time: string;
  datacontenttype: 'application/json';
  data: EventDataByType[T];
}

/** Any catalog event; `switch (event.type)` narrows `data`. */
export type AnyCloudEvent = { [T in EventType]: CloudEvent<T> }[EventType];
