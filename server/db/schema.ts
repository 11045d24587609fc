/** Drizzle table definitions. The SQL that creates them lives in migrations.ts. */
import { integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'user'] }).notNull(),
  createdAt: integer('created_at').notNull(),
  /** Set while the account may not sign in or act (its sockets were closed, tokens refused). */
  disabledAt: integer('disabled_at'),
  /** Lower-cased; unique among accounts that have one. */
  email: text('email'),
  displayName: text('display_name'),
  /** Sign-in sessions started before this (ms) are refused: set when disabled or reset. */
  sessionsNotBefore: integer('sessions_not_before'),
});

export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** sha256 of the raw token (tokens carry 256 bits of entropy, so a fast hash is enough). */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
});

export const workspaces = sqliteTable(
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
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('workspaces_user_name').on(t.userId, t.name)],
);

export const sshHosts = sqliteTable(
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
    createdAt: integer('created_at').notNull(),
    /** Terminals in the SSH runner: 'auto' (when it can run there), 'always', 'never'. */
    runnerMode: text('runner_mode', { enum: ['auto', 'always', 'never'] }).notNull().default('auto'),
    /** JSON SessionLimits for the host's terminals (runner only). */
    runnerLimits: text('runner_limits').notNull().default('{}'),
    /** JSON RunnerStatus: the last deployment / connection outcome. */
    runnerStatus: text('runner_status'),
  },
  (t) => [uniqueIndex('ssh_hosts_user_name').on(t.userId, t.name)],
);

export const sshKnownHosts = sqliteTable(
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
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.host, t.port, t.key] })],
);

/** Cloud workers the orchestrator started (server/cloud/orchestrator.ts); rows of gone workers are kept as history. */
export const cloudWorkers = sqliteTable('cloud_workers', {
  id: text('id').primaryKey(),
  /** The user it is assigned to; null while it waits in the warm pool. */
  userId: text('user_id'),
  /** starting → ready (warm) → assigned → gone; a cold start goes starting → assigned. */
  state: text('state', { enum: ['starting', 'ready', 'assigned', 'gone'] }).notNull(),
  size: text('size', { enum: ['small', 'medium', 'large'] }).notNull(),
  /** The agent's WebSocket URL (its secret stays with the provider, never in the database). */
  url: text('url'),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
  releasedAt: integer('released_at'),
});

/** Share links (server/sharing/share-service.ts): revoked, never deleted, so the audit keeps its context. */
export const shares = sqliteTable('shares', {
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
  createdAt: integer('created_at').notNull(),
  /** null: until revoked. */
  expiresAt: integer('expires_at'),
  revokedAt: integer('revoked_at'),
  /** Whether the 'expired' audit event was written. */
  expiryLogged: integer('expiry_logged').notNull(),
  /** Guests who joined through this link. */
  guests: integer('guests').notNull(),
});

/** One browser that joined through a share link; its cookie holds `id.secret`, the row the secret's sha256. */
export const shareGuests = sqliteTable('share_guests', {
  id: text('id').primaryKey(),
  shareId: text('share_id')
    .notNull()
    .references(() => shares.id, { onDelete: 'cascade' }),
  number: integer('number').notNull(),
  secretHash: text('secret_hash').notNull(),
  ip: text('ip'),
  joinedAt: integer('joined_at').notNull(),
  kickedAt: integer('kicked_at'),
});

export const shareEvents = sqliteTable('share_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  shareId: text('share_id').notNull(),
  at: integer('at').notNull(),
  kind: text('kind', { enum: ['created', 'joined', 'revoked', 'expired', 'kicked'] }).notNull(),
  guest: text('guest'),
  ip: text('ip'),
});

/** Ids (jti) of session tokens signed out before they expired (server/auth/signed-out.ts). */
export const signedOutSessions = sqliteTable('signed_out_sessions', {
  jti: text('jti').primaryKey(),
  expiresAt: integer('expires_at').notNull(),
});

export const settings = sqliteTable('settings', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** JSON Settings (lib/shared/settings.ts); only keys the user changed are stored. */
  data: text('data').notNull().default('{}'),
  updatedAt: integer('updated_at').notNull(),
});

/** Security events (server/audit/audit-log.ts); no foreign keys, so they outlive what they name. */
export const auditEvents = sqliteTable('audit_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  action: text('action').notNull(),
  actorId: text('actor_id'),
  actorName: text('actor_name'),
  target: text('target'),
  /** JSON AuditDetail (lib/shared/audit.ts). */
  detail: text('detail').notNull().default('{}'),
  ip: text('ip'),
});

/** Sign-in sessions (auth/sign-in-sessions.ts): one per sign-in, named by the JWT's `sid`. */
export const signInSessions = sqliteTable('sign_in_sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** How they signed in: `password`, or the single sign-on provider's id. */
  method: text('method').notNull(),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
  expiresAt: integer('expires_at').notNull(),
  /** When it ended (signed out or revoked); null while it may be used. */
  endedAt: integer('ended_at'),
  endReason: text('end_reason', { enum: ['signed-out', 'revoked'] }),
});

/** Single sign-on identities linked to accounts (server/auth/identities.ts). */
export const ssoIdentities = sqliteTable(
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
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] })],
);

/** Another account added to a workspace by its owner (sharing/members.ts). */
export const workspaceMembers = sqliteTable(
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
    addedAt: integer('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);

/** A live two-way mirror between two workspaces of one owner (server/mirror). */
export const mirrors = sqliteTable('mirrors', {
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
  paused: integer('paused', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
});

/** Several gateways on one SQLite file: the cluster bus's events (cluster/sqlite-bus.ts). Unused on Postgres (LISTEN/NOTIFY). */
export const clusterEvents = sqliteTable('cluster_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  sender: text('sender').notNull(),
  topic: text('topic').notNull(),
  payload: text('payload').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** The node holding each local workspace's folder and terminals (cluster/node-pins.ts). */
export const workspaceNodes = sqliteTable('workspace_nodes', {
  workspaceId: text('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  node: text('node').notNull(),
  /** The folder it was pinned with: a workspace moved back to this machine later is pinned anew. */
  root: text('root').notNull(),
  pinnedAt: integer('pinned_at').notNull(),
});
