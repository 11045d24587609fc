/**
 * The Postgres twin of schema.ts (same tables, columns and JS types; the SQL is in migrations.ts's
 * `postgres` side). Times are ms since the epoch in BIGINT read back as numbers, small counts and
 * flags INTEGER, JSON documents TEXT — so a row reads the same from either database and the query
 * code (written once against `DatabaseHandle.t`) never asks which one it talks to. The type checks
 * at the bottom fail to compile when the two drift apart.
 */
import { bigint, bigserial, boolean, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type * as sqlite from './schema';

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'user'] }).notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  /** Set while the account may not sign in or act (its sockets were closed, tokens refused). */
  disabledAt: bigint('disabled_at', { mode: 'number' }),
  /** Lower-cased; unique among accounts that have one. */
  email: text('email'),
  displayName: text('display_name'),
  /** Sign-in sessions started before this (ms) are refused: set when disabled or reset. */
  sessionsNotBefore: bigint('sessions_not_before', { mode: 'number' }),
});

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** sha256 of the raw token (tokens carry 256 bits of entropy, so a fast hash is enough). */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  lastUsedAt: bigint('last_used_at', { mode: 'number' }),
});

export const workspaces = pgTable(
  'workspaces',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['local', 'ssh', 'cloud'] }).notNull(),
    /** Local: absolute directory here. SSH: absolute real path on the host. Cloud: `cloud:<worker id>`. */
    root: text('root').notNull(),
    hostId: text('host_id').references(() => sshHosts.id, { onDelete: 'restrict' }),
    /** The cloud worker (cloud_workers.id) a cloud workspace lives on. */
    workerId: text('worker_id'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('workspaces_user_name').on(t.userId, t.name)],
);

export const sshHosts = pgTable(
  'ssh_hosts',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** What the user typed: a config alias or `user@host[:port]`. */
    spec: text('spec').notNull(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    username: text('username').notNull(),
    /** JSON SshEndpoint[] (ProxyJump chain, resolved when the host was added). */
    jumps: text('jumps').notNull(),
    /** JSON string[] of identity files named by the SSH config. */
    identityFiles: text('identity_files').notNull(),
    /** 'local': this server's ssh-agent and identity files; 'key': a private key stored for the user. */
    auth: text('auth', { enum: ['local', 'key'] }).notNull(),
    /** The stored private key (and its passphrase), AES-256-GCM sealed with a key in DATA_DIR. */
    sealedKey: text('sealed_key'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    /** Terminals in the SSH runner: 'auto' (when it can run there), 'always', 'never'. */
    runnerMode: text('runner_mode', { enum: ['auto', 'always', 'never'] }).notNull().default('auto'),
    /** JSON SessionLimits for the host's terminals (runner only). */
    runnerLimits: text('runner_limits').notNull().default('{}'),
    /** JSON RunnerStatus: the last deployment / connection outcome. */
    runnerStatus: text('runner_status'),
  },
  (t) => [uniqueIndex('ssh_hosts_user_name').on(t.userId, t.name)],
);

export const sshKnownHosts = pgTable(
  'ssh_known_hosts',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    keyType: text('key_type').notNull(),
    /** Public key blob, base64 (as in known_hosts). */
    key: text('key').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.host, t.port, t.key] })],
);

/** Cloud workers the orchestrator started (server/cloud/orchestrator.ts); rows of gone workers are kept as history. */
export const cloudWorkers = pgTable('cloud_workers', {
  id: text('id').primaryKey(),
  /** The user it is assigned to; null while it waits in the warm pool. */
  userId: text('user_id'),
  /** starting → ready (warm) → assigned → gone; a cold start goes starting → assigned. */
  state: text('state', { enum: ['starting', 'ready', 'assigned', 'gone'] }).notNull(),
  size: text('size', { enum: ['small', 'medium', 'large'] }).notNull(),
  /** The agent's WebSocket URL (its secret stays with the provider, never in the database). */
  url: text('url'),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  lastUsedAt: bigint('last_used_at', { mode: 'number' }),
  releasedAt: bigint('released_at', { mode: 'number' }),
});

/** Share links (server/sharing/share-service.ts): revoked, never deleted, so the audit keeps its context. */
export const shares = pgTable('shares', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  workspaceId: text('workspace_id').notNull(),
  /** The one terminal shared; null shares the whole workspace. */
  sessionId: text('session_id'),
  scope: text('scope', { enum: ['view', 'drive'] }).notNull(),
  label: text('label').notNull(),
  /** sha256 of the raw token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  /** null: until revoked. */
  expiresAt: bigint('expires_at', { mode: 'number' }),
  revokedAt: bigint('revoked_at', { mode: 'number' }),
  /** Whether the 'expired' audit event was written. */
  expiryLogged: integer('expiry_logged').notNull(),
  /** Guests who joined through this link. */
  guests: integer('guests').notNull(),
});

/** One browser that joined through a share link; its cookie holds `id.secret`, the row the secret's sha256. */
export const shareGuests = pgTable('share_guests', {
  id: text('id').primaryKey(),
  shareId: text('share_id')
    .notNull()
    .references(() => shares.id, { onDelete: 'cascade' }),
  number: integer('number').notNull(),
  secretHash: text('secret_hash').notNull(),
  ip: text('ip'),
  joinedAt: bigint('joined_at', { mode: 'number' }).notNull(),
  kickedAt: bigint('kicked_at', { mode: 'number' }),
});

export const shareEvents = pgTable('share_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  shareId: text('share_id').notNull(),
  at: bigint('at', { mode: 'number' }).notNull(),
  kind: text('kind', { enum: ['created', 'joined', 'revoked', 'expired', 'kicked'] }).notNull(),
  guest: text('guest'),
  ip: text('ip'),
});

/** Ids (jti) of session tokens signed out before they expired (server/auth/signed-out.ts). */
export const signedOutSessions = pgTable('signed_out_sessions', {
  jti: text('jti').primaryKey(),
  expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
});

export const settings = pgTable('settings', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** JSON Settings (lib/shared/settings.ts); only keys the user changed are stored. */
  data: text('data').notNull().default('{}'),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});

/** Security events (server/audit/audit-log.ts); no foreign keys, so they outlive what they name. */
export const auditEvents = pgTable('audit_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: bigint('at', { mode: 'number' }).notNull(),
  action: text('action').notNull(),
  actorId: text('actor_id'),
  actorName: text('actor_name'),
  target: text('target'),
  /** JSON AuditDetail (lib/shared/audit.ts). */
  detail: text('detail').notNull().default('{}'),
  ip: text('ip'),
});

/** Sign-in sessions (auth/sign-in-sessions.ts): one per sign-in, named by the JWT's `sid`. */
export const signInSessions = pgTable('sign_in_sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** How they signed in: `password`, or the single sign-on provider's id. */
  method: text('method').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  lastSeenAt: bigint('last_seen_at', { mode: 'number' }).notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
  expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
  /** When it ended (signed out or revoked); null while it may be used. */
  endedAt: bigint('ended_at', { mode: 'number' }),
  endReason: text('end_reason', { enum: ['signed-out', 'revoked'] }),
});

/** Single sign-on identities linked to accounts (server/auth/identities.ts). */
export const ssoIdentities = pgTable(
  'sso_identities',
  {
    /** The OIDC issuer URL, or `https://github.com`. */
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    provider: text('provider', { enum: ['oidc', 'github'] }).notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The verified email it had at its last sign-in. */
    email: text('email'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastUsedAt: bigint('last_used_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] })],
);

/** Another account added to a workspace by its owner (sharing/members.ts). */
export const workspaceMembers = pgTable(
  'workspace_members',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['viewer', 'editor'] }).notNull(),
    addedBy: text('added_by').references(() => users.id, { onDelete: 'set null' }),
    addedAt: bigint('added_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);

/** A live two-way mirror between two workspaces of one owner (server/mirror). */
export const mirrors = pgTable('mirrors', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  workspaceId: text('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  peerWorkspaceId: text('peer_workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  /** JSON array of .gitignore-style patterns. */
  ignorePatterns: text('ignore_patterns').notNull(),
  paused: boolean('paused').notNull().default(false),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

/** The SQLite cluster bus's table; created on Postgres too (one schema), never written there. */
export const clusterEvents = pgTable('cluster_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  sender: text('sender').notNull(),
  topic: text('topic').notNull(),
  payload: text('payload').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

/** The node holding each local workspace's folder and terminals (cluster/node-pins.ts). */
export const workspaceNodes = pgTable('workspace_nodes', {
  workspaceId: text('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  node: text('node').notNull(),
  root: text('root').notNull(),
  pinnedAt: bigint('pinned_at', { mode: 'number' }).notNull(),
});

// ---- compile-time twin check: every table reads and writes the same JS shape on both ----

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Twin<P extends { $inferSelect: unknown; $inferInsert: unknown }, S extends { $inferSelect: unknown; $inferInsert: unknown }> =
  Same<P['$inferSelect'], S['$inferSelect']> extends true ? (Same<P['$inferInsert'], S['$inferInsert']> extends true ? true : 'insert shapes differ') : 'select shapes differ';
type Tables = Omit<typeof import('./schema-pg'), never>;
type SqliteTables = typeof sqlite;
/** Same table names on both sides, and each pair with the same row types. */
export type TwinCheck = { [K in keyof SqliteTables]: K extends keyof Tables ? Twin<Tables[K], SqliteTables[K]> : 'missing in schema-pg' };
const twins: { [K in keyof TwinCheck]: true } = null as unknown as TwinCheck;
void twins;
