/**
 * Ordered, append-only schema migrations, applied at start inside one transaction each
 * (db/migrate.ts). One history for both databases: each version carries its SQLite and its
 * Postgres SQL, which must leave the same tables, columns, keys and checks (schema.ts and
 * schema-pg.ts describe the result; times are INTEGER on SQLite, BIGINT on Postgres).
 * Never edit a migration that has shipped; add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, api tokens, workspaces',
    sqlite: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      CREATE INDEX api_tokens_user ON api_tokens(user_id);
      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('local')),
        root TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX workspaces_user_name ON workspaces(user_id, name);
    `,
    postgres: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        created_at BIGINT NOT NULL
      );
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT
      );
      CREATE INDEX api_tokens_user ON api_tokens(user_id);
      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CONSTRAINT workspaces_kind_check CHECK (kind IN ('local')),
        root TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX workspaces_user_name ON workspaces(user_id, name);
    `,
  },
  {
    version: 2,
    name: 'ssh hosts, accepted host keys, workspaces on ssh hosts',
    sqlite: `
      CREATE TABLE ssh_hosts (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        username TEXT NOT NULL,
        jumps TEXT NOT NULL DEFAULT '[]',
        identity_files TEXT NOT NULL DEFAULT '[]',
        auth TEXT NOT NULL CHECK (auth IN ('local', 'key')),
        sealed_key TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX ssh_hosts_user_name ON ssh_hosts(user_id, name);
      CREATE TABLE ssh_known_hosts (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        key_type TEXT NOT NULL,
        key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, host, port, key)
      );
      -- SQLite cannot change a CHECK constraint in place: rebuild workspaces with the new kinds
      -- ('cloud' is reserved for cloud workers) and the host an ssh workspace lives on.
      CREATE TABLE workspaces_v2 (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('local', 'ssh', 'cloud')),
        root TEXT NOT NULL,
        host_id TEXT REFERENCES ssh_hosts(id) ON DELETE RESTRICT,
        created_at INTEGER NOT NULL,
        CHECK ((kind = 'ssh') = (host_id IS NOT NULL))
      );
      INSERT INTO workspaces_v2 (id, user_id, name, kind, root, host_id, created_at)
        SELECT id, user_id, name, kind, root, NULL, created_at FROM workspaces;
      DROP TABLE workspaces;
      ALTER TABLE workspaces_v2 RENAME TO workspaces;
      CREATE UNIQUE INDEX workspaces_user_name ON workspaces(user_id, name);
    `,
    postgres: `
      CREATE TABLE ssh_hosts (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        username TEXT NOT NULL,
        jumps TEXT NOT NULL DEFAULT '[]',
        identity_files TEXT NOT NULL DEFAULT '[]',
        auth TEXT NOT NULL CHECK (auth IN ('local', 'key')),
        sealed_key TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX ssh_hosts_user_name ON ssh_hosts(user_id, name);
      CREATE TABLE ssh_known_hosts (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        key_type TEXT NOT NULL,
        key TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, host, port, key)
      );
      -- Postgres changes the CHECK in place (SQLite rebuilds the table).
      ALTER TABLE workspaces DROP CONSTRAINT workspaces_kind_check;
      ALTER TABLE workspaces ADD CONSTRAINT workspaces_kind_check CHECK (kind IN ('local', 'ssh', 'cloud'));
      ALTER TABLE workspaces ADD COLUMN host_id TEXT REFERENCES ssh_hosts(id) ON DELETE RESTRICT;
      ALTER TABLE workspaces ADD CONSTRAINT workspaces_host_check CHECK ((kind = 'ssh') = (host_id IS NOT NULL));
    `,
  },
  {
    version: 3,
    name: 'cloud workers',
    // user_id has no foreign key on purpose: a row stands for a running process, which deleting
    // a user must not orphan silently; an abandoned worker is released by the idle sweep.
    sqlite: `
      CREATE TABLE cloud_workers (
        id TEXT PRIMARY KEY,
        user_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('starting', 'ready', 'assigned', 'gone')),
        size TEXT NOT NULL CHECK (size IN ('small', 'medium', 'large')),
        url TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        released_at INTEGER
      );
      CREATE INDEX cloud_workers_state ON cloud_workers(state);
      CREATE INDEX cloud_workers_user ON cloud_workers(user_id);
    `,
    postgres: `
      CREATE TABLE cloud_workers (
        id TEXT PRIMARY KEY,
        user_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('starting', 'ready', 'assigned', 'gone')),
        size TEXT NOT NULL CHECK (size IN ('small', 'medium', 'large')),
        url TEXT,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        released_at BIGINT
      );
      CREATE INDEX cloud_workers_state ON cloud_workers(state);
      CREATE INDEX cloud_workers_user ON cloud_workers(user_id);
    `,
  },
  {
    version: 4,
    name: 'workspaces on cloud workers',
    sqlite: `ALTER TABLE workspaces ADD COLUMN worker_id TEXT;`,
    postgres: `ALTER TABLE workspaces ADD COLUMN worker_id TEXT;`,
  },
  {
    version: 5,
    name: 'share links',
    // Shares are never deleted, only revoked, so the audit keeps its context; a workspace's
    // removal revokes its shares (share-service.ts). share_events outlive their share on purpose.
    sqlite: `
      CREATE TABLE shares (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL,
        session_id TEXT,
        scope TEXT NOT NULL CHECK (scope IN ('view', 'drive')),
        label TEXT NOT NULL DEFAULT '',
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        expiry_logged INTEGER NOT NULL DEFAULT 0,
        guests INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX shares_owner ON shares(owner_id);
      CREATE TABLE share_guests (
        id TEXT PRIMARY KEY,
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        ip TEXT,
        joined_at INTEGER NOT NULL,
        kicked_at INTEGER
      );
      CREATE INDEX share_guests_share ON share_guests(share_id);
      CREATE TABLE share_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        share_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('created', 'joined', 'revoked', 'expired', 'kicked')),
        guest TEXT,
        ip TEXT
      );
      CREATE INDEX share_events_owner ON share_events(owner_id, at);
    `,
    postgres: `
      CREATE TABLE shares (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL,
        session_id TEXT,
        scope TEXT NOT NULL CHECK (scope IN ('view', 'drive')),
        label TEXT NOT NULL DEFAULT '',
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT,
        expiry_logged INTEGER NOT NULL DEFAULT 0,
        guests INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX shares_owner ON shares(owner_id);
      CREATE TABLE share_guests (
        id TEXT PRIMARY KEY,
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        ip TEXT,
        joined_at BIGINT NOT NULL,
        kicked_at BIGINT
      );
      CREATE INDEX share_guests_share ON share_guests(share_id);
      CREATE TABLE share_events (
        id BIGSERIAL PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        share_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('created', 'joined', 'revoked', 'expired', 'kicked')),
        guest TEXT,
        ip TEXT
      );
      CREATE INDEX share_events_owner ON share_events(owner_id, at);
    `,
  },
  {
    version: 6,
    name: 'signed-out sessions',
    // Sessions are stateless JWTs: signing out records the token's id until it would have expired,
    // so a copy of the cookie stops working too (auth/signed-out.ts).
    sqlite: `
      CREATE TABLE signed_out_sessions (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX signed_out_sessions_expiry ON signed_out_sessions(expires_at);
    `,
    postgres: `
      CREATE TABLE signed_out_sessions (
        jti TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX signed_out_sessions_expiry ON signed_out_sessions(expires_at);
    `,
  },
  {
    version: 7,
    name: 'ssh runner per host',
    // How a host runs terminals (runtimes/ssh/runner-service.ts), the resource limits of its
    // terminals, and the last runner deployment outcome (shown with the host).
    sqlite: `
      ALTER TABLE ssh_hosts ADD COLUMN runner_mode TEXT NOT NULL DEFAULT 'auto' CHECK (runner_mode IN ('auto', 'always', 'never'));
      ALTER TABLE ssh_hosts ADD COLUMN runner_limits TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE ssh_hosts ADD COLUMN runner_status TEXT;
    `,
    postgres: `
      ALTER TABLE ssh_hosts ADD COLUMN runner_mode TEXT NOT NULL DEFAULT 'auto' CHECK (runner_mode IN ('auto', 'always', 'never'));
      ALTER TABLE ssh_hosts ADD COLUMN runner_limits TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE ssh_hosts ADD COLUMN runner_status TEXT;
    `,
  },
  {
    version: 8,
    name: 'accounts: disabled, email, display name',
    // Admins manage accounts (auth/users.ts): a disabled account keeps its data but cannot sign in
    // or act; emails link single sign-on identities to accounts; sign-ins older than
    // sessions_not_before (set by disabling and by a password reset) no longer count.
    sqlite: `
      ALTER TABLE users ADD COLUMN disabled_at INTEGER;
      ALTER TABLE users ADD COLUMN email TEXT;
      ALTER TABLE users ADD COLUMN display_name TEXT;
      ALTER TABLE users ADD COLUMN sessions_not_before INTEGER;
      CREATE UNIQUE INDEX users_email ON users(email) WHERE email IS NOT NULL;
    `,
    postgres: `
      ALTER TABLE users ADD COLUMN disabled_at BIGINT;
      ALTER TABLE users ADD COLUMN email TEXT;
      ALTER TABLE users ADD COLUMN display_name TEXT;
      ALTER TABLE users ADD COLUMN sessions_not_before BIGINT;
      CREATE UNIQUE INDEX users_email ON users(email) WHERE email IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'user settings',
    // One JSON document per user (lib/shared/settings.ts defines and bounds it): settings come and
    // go between versions without a migration each; a stale key reads back as its default.
    sqlite: `
      CREATE TABLE settings (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at INTEGER NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE settings (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: 'audit trail',
    // Security events (server/audit/audit-log.ts). Actors are kept by id and by the name they had,
    // with no foreign key: the trail outlives a deleted account on purpose.
    sqlite: `
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        action TEXT NOT NULL,
        actor_id TEXT,
        actor_name TEXT,
        target TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        ip TEXT
      );
      CREATE INDEX audit_events_at ON audit_events(at);
      CREATE INDEX audit_events_action ON audit_events(action, at);
      CREATE INDEX audit_events_actor ON audit_events(actor_id, at);
    `,
    postgres: `
      CREATE TABLE audit_events (
        id BIGSERIAL PRIMARY KEY,
        at BIGINT NOT NULL,
        action TEXT NOT NULL,
        actor_id TEXT,
        actor_name TEXT,
        target TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        ip TEXT
      );
      CREATE INDEX audit_events_at ON audit_events(at);
      CREATE INDEX audit_events_action ON audit_events(action, at);
      CREATE INDEX audit_events_actor ON audit_events(actor_id, at);
    `,
  },
  {
    version: 11,
    name: 'sign-in sessions',
    // Each sign-in is a row (auth/sign-in-sessions.ts), named by the `sid` in its JWT: people see
    // where they are signed in and end a session; a token whose sid is unknown or ended is refused.
    sqlite: `
      CREATE TABLE sign_in_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        method TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        ip TEXT,
        user_agent TEXT,
        expires_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT CHECK (end_reason IN ('signed-out', 'revoked'))
      );
      CREATE INDEX sign_in_sessions_user ON sign_in_sessions(user_id, created_at);
    `,
    postgres: `
      CREATE TABLE sign_in_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        method TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        expires_at BIGINT NOT NULL,
        ended_at BIGINT,
        end_reason TEXT CHECK (end_reason IN ('signed-out', 'revoked'))
      );
      CREATE INDEX sign_in_sessions_user ON sign_in_sessions(user_id, created_at);
    `,
  },
  {
    version: 12,
    name: 'single sign-on identities',
    // An identity at a provider (its issuer and subject) linked to an account (auth/identities.ts).
    // Keyed by issuer, not by provider name: subjects are unique only per issuer, so pointing the
    // OIDC settings at another issuer never lets its subjects reach the old links.
    sqlite: `
      CREATE TABLE sso_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        provider TEXT NOT NULL CHECK (provider IN ('oidc', 'github')),
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        email TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, subject)
      );
      CREATE INDEX sso_identities_user ON sso_identities(user_id);
    `,
    postgres: `
      CREATE TABLE sso_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        provider TEXT NOT NULL CHECK (provider IN ('oidc', 'github')),
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        email TEXT,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT NOT NULL,
        PRIMARY KEY (issuer, subject)
      );
      CREATE INDEX sso_identities_user ON sso_identities(user_id);
    `,
  },
  {
    version: 13,
    name: 'workspace members',
    // An owner adds another account to a workspace as viewer or editor (sharing/members.ts): a
    // named, durable share without a link. Removing the workspace or either account removes it.
    sqlite: `
      CREATE TABLE workspace_members (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor')),
        added_by TEXT REFERENCES users(id) ON DELETE SET NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      );
      CREATE INDEX workspace_members_user ON workspace_members(user_id);
    `,
    postgres: `
      CREATE TABLE workspace_members (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor')),
        added_by TEXT REFERENCES users(id) ON DELETE SET NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      );
      CREATE INDEX workspace_members_user ON workspace_members(user_id);
    `,
  },
  {
    version: 14,
    name: 'live mirrors',
    // A mirror pairs two workspaces of one owner on different runtimes (server/mirror): their
    // files kept in step both ways. The agreed state and conflicts live in DATA_DIR/mirrors/<id>.
    sqlite: `
      CREATE TABLE mirrors (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        peer_workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        ignore_patterns TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX mirrors_user ON mirrors(user_id);
    `,
    postgres: `
      CREATE TABLE mirrors (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        peer_workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        ignore_patterns TEXT NOT NULL,
        paused BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX mirrors_user ON mirrors(user_id);
    `,
  },
  {
    version: 15,
    name: 'cluster events, nodes of local workspaces',
    // Several gateways on one SQLite file (server/cluster/sqlite-bus.ts): each polls for the rows
    // other gateways appended (revocations to apply to its sockets); rows older than a minute are
    // pruned. AUTOINCREMENT: an id is never reused after a prune, so a reader's "after id" holds.
    // On Postgres the bus is LISTEN/NOTIFY and this table stays empty (created for one schema).
    // workspace_nodes: the node (machine + DATA_DIR) holding a local workspace's folder and
    // terminals; gateways on other nodes answer with where it lives (cluster/node-pins.ts).
    sqlite: `
      CREATE TABLE cluster_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX cluster_events_created ON cluster_events(created_at);
      CREATE TABLE workspace_nodes (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        root TEXT NOT NULL,
        pinned_at INTEGER NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE cluster_events (
        id BIGSERIAL PRIMARY KEY,
        sender TEXT NOT NULL,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX cluster_events_created ON cluster_events(created_at);
      CREATE TABLE workspace_nodes (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        root TEXT NOT NULL,
        pinned_at BIGINT NOT NULL
      );
    `,
  },
];
