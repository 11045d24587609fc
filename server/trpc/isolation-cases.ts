/**
 * The two-user isolation walk's table (server/trpc/isolation-walk.integration.test.ts): one line per
 * tRPC procedure saying how a second member (bob) must be answered when he reaches for the first
 * member's (alice's) things. The walk fails for a procedure of appRouter without a line here, and
 * for a line whose procedure no longer exists.
 *
 * Each input is a function of two `Ids` sets: `o`, the other's — alice's real ids, then ids that
 * exist nowhere (`owned`, `list`, `admin`), or bob's own (`self`) — and `mine`, the caller's own
 * (to aim bob's own workspace at alice's host, terminal or files):
 * - `owned`: bob is refused — NOT_FOUND unless the line says which code — with exactly the answer a
 *   missing id gets, and so are a guest of bob's workspace share and an admin (each with their own
 *   answer); alice herself is not refused that way (queries and subscriptions; so the input is one
 *   that can work).
 * - `list`: bob's answer works, holds none of alice's ids or names, and is the same for her ids as
 *   for missing ones (inputs that filter); `shows`: it lists bob's own thing of that kind.
 * - `admin`: members get FORBIDDEN (HTTP 403) whatever the ids; an admin is not refused.
 * - `self`: bob's own things work for bob (the walk is not passing because everything fails).
 * A procedure may have several lines (an array), e.g. `owned` on alice's ids and `self` on bob's.
 */

import path from 'node:path';

/** One user's things (or, for the "missing" set, ids of nothing). */
export interface Ids {
  user: string;
  workspace: string;
  /** A cloud workspace, and the worker it runs on. */
  cloudWorkspace: string;
  worker: string;
  /** A terminal session in `workspace`. */
  session: string;
  /** An SSH host record. */
  host: string;
  /** An API token's id. */
  token: string;
  /** A share link of `workspace`, and a guest who joined it. */
  share: string;
  guest: string;
  /** A migration (started on `workspace` towards `host`). */
  migration: string;
  /** A live mirror (between a local workspace and `cloudWorkspace`). */
  mirror: string;
  /** A sign-in session (a browser's, from signing in with the password). */
  signIn: string;
  /** A file in `workspace` (relative), and the same file by its absolute path on the server. */
  file: string;
  absFile: string;
}

type Input = (o: Ids, mine: Ids) => unknown;

export type Case =
  | { kind: 'owned'; input: Input; code: string; control: boolean }
  | { kind: 'list'; input?: Input; shows?: keyof Ids }
  | { kind: 'admin'; input?: Input }
  | { kind: 'self'; input?: Input };

/** `code`: the refusal when it is not NOT_FOUND (a path the jail refuses); `control: false` when
 * the input cannot work for alice either (the jail again). */
export const owned = (input: Input, opts: { code?: string; control?: boolean } = {}): Case => ({ kind: 'owned', input, code: opts.code ?? 'NOT_FOUND', control: opts.control ?? true });
export const list = (opts: { input?: Input; shows?: keyof Ids } = {}): Case => ({ kind: 'list', ...opts });
export const admin = (input?: Input): Case => ({ kind: 'admin', input });
export const self = (input?: Input): Case => ({ kind: 'self', input });

/** A host key fingerprint of the right shape (nobody's). */
const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;
/** `o`'s file as a relative path from `mine`'s workspace folder (`../../…`). */
const climb = (mine: Ids, o: Ids) => path.relative(path.dirname(mine.absFile), o.absFile);
const sshTarget = (o: Ids) => ({ kind: 'ssh' as const, hostId: o.host });

export const CASES: Record<string, Case | Case[]> = {
  me: self(),

  'workspaces.list': list({ shows: 'cloudWorkspace' }),
  'workspaces.overview': list({ shows: 'worker' }),
  'workspaces.get': [owned((o) => ({ id: o.workspace })), owned((o) => ({ id: o.cloudWorkspace })), self((o) => ({ id: o.cloudWorkspace }))],
  'workspaces.gitBranch': [owned((o) => ({ id: o.workspace })), self((o) => ({ id: o.workspace }))],
  'workspaces.create': [
    owned((o) => ({ name: `on-${o.host.slice(0, 8)}`, hostId: o.host })),
    // An existing folder of the server is the operator's to hand out.
    admin((o) => ({ name: `at-${o.user.slice(0, 6)}`, root: path.dirname(o.absFile) })),
    admin((o) => ({ name: `from-${o.user.slice(0, 6)}`, cloud: { clone: path.dirname(o.absFile) } })),
    self((o) => ({ name: `more-${o.user.slice(0, 6)}` })),
  ],
  'workspaces.remove': [owned((o) => ({ id: o.workspace })), owned((o) => ({ id: o.cloudWorkspace }))],

  'terminals.list': [owned((o) => ({ workspaceId: o.workspace })), self((o) => ({ workspaceId: o.workspace }))],
  'terminals.snapshot': [owned((o) => ({ sessionId: o.session })), self((o) => ({ sessionId: o.session }))],

  'tokens.list': list({ shows: 'token' }),
  'tokens.create': self(() => ({ name: 'walk' })),
  'tokens.revoke': owned((o) => ({ id: o.token })),

  'fs.list': [
    owned((o) => ({ workspaceId: o.workspace, dir: '' })),
    owned((o) => ({ workspaceId: o.cloudWorkspace, dir: '' })),
    self((o) => ({ workspaceId: o.workspace, dir: '' })),
  ],
  'fs.read': [
    owned((o) => ({ workspaceId: o.workspace, path: o.file })),
    owned((o, mine) => ({ workspaceId: mine.workspace, path: o.absFile }), { code: 'BAD_REQUEST', control: false }),
    owned((o, mine) => ({ workspaceId: mine.workspace, path: climb(mine, o) }), { code: 'BAD_REQUEST', control: false }),
    self((o) => ({ workspaceId: o.workspace, path: o.file })),
  ],
  'fs.write': owned((o) => ({ workspaceId: o.workspace, path: o.file, content: 'bob was here', expectedVersion: null, force: true })),
  'fs.create': owned((o) => ({ workspaceId: o.workspace, path: `new-${o.file}`, content: 'bob was here' })),
  'fs.mkdir': owned((o) => ({ workspaceId: o.workspace, path: 'bob-dir' })),
  'fs.rename': owned((o) => ({ workspaceId: o.workspace, from: o.file, to: 'renamed-by-bob.txt' })),
  'fs.delete': owned((o) => ({ workspaceId: o.workspace, path: o.file })),
  'fs.findFiles': [owned((o) => ({ workspaceId: o.workspace, query: 'secret' })), self((o) => ({ workspaceId: o.workspace, query: '' }))],
  'fs.search': [owned((o) => ({ workspaceId: o.workspace, query: 'secret' })), self((o) => ({ workspaceId: o.workspace, query: 'secret' }))],
  'fs.watch': owned((o) => ({ workspaceId: o.workspace })),

  'hosts.list': list({ shows: 'host' }),
  'hosts.aliases': admin(),
  'hosts.add': [admin(() => ({ spec: 'walk@127.0.0.1:1', name: `local-${Math.random().toString(36).slice(2, 8)}`, auth: 'local' }))],
  'hosts.remove': owned((o) => ({ id: o.host })),
  'hosts.setRunner': owned((o) => ({ id: o.host, mode: 'never', limits: {} })),
  'hosts.checkRunner': owned((o) => ({ id: o.host })),
  'hosts.test': [owned((o) => ({ id: o.host })), self((o) => ({ id: o.host }))],
  'hosts.trustKey': owned((o) => ({ id: o.host, endpoint: 'walk@127.0.0.1:1', fingerprint: FINGERPRINT })),
  'hosts.forgetKeys': owned((o) => ({ id: o.host })),
  'hosts.unlock': owned((o) => ({ id: o.host, identityFile: '~/.ssh/id_ed25519', passphrase: 'guess' })),

  'runtimes.health': list(),
  'runtimes.workspace': [owned((o) => ({ id: o.workspace })), owned((o) => ({ id: o.cloudWorkspace })), self((o) => ({ id: o.cloudWorkspace }))],

  'cloud.pool': admin(),

  'migration.plan': [
    owned((o) => ({ workspaceId: o.workspace, target: sshTarget(o) })),
    owned((o, mine) => ({ workspaceId: mine.workspace, target: sshTarget(o) })),
  ],
  'migration.start': [
    owned((o) => ({ workspaceId: o.workspace, target: sshTarget(o) })),
    owned((o, mine) => ({ workspaceId: mine.workspace, target: sshTarget(o) })),
  ],
  'migration.progress': [owned((o) => ({ id: o.migration })), self((o) => ({ id: o.migration }))],
  'migration.cancel': owned((o) => ({ id: o.migration })),

  'shares.create': [
    owned((o) => ({ workspaceId: o.workspace, scope: 'drive' })),
    owned((o, mine) => ({ workspaceId: mine.workspace, sessionId: o.session, scope: 'drive' })),
  ],
  'shares.list': [list({ shows: 'share' }), list({ input: (o) => ({ workspaceId: o.workspace }) })],
  'shares.revoke': owned((o) => ({ id: o.share })),
  'shares.kick': owned((o) => ({ shareId: o.share, guestId: o.guest })),
  'shares.audit': [list(), list({ input: (o) => ({ shareId: o.share }) })],
  'shares.whoami': self(),
  'shares.presence': [owned((o) => ({ sessionId: o.session })), self((o) => ({ sessionId: o.session }))],

  'agents.list': list({ shows: 'session' }),
  'agents.watch': list({ shows: 'session' }),
  'agents.start': [owned((o) => ({ workspaceId: o.workspace, command: 'echo bob' })), owned((o) => ({ workspaceId: o.cloudWorkspace, command: 'echo bob' }))],

  'admin.stats': admin(),

  'users.list': admin(),
  'users.create': admin(() => ({ name: `walk-${Math.random().toString(36).slice(2, 8)}`, password: 'walk-password-1', role: 'user' })),
  'users.update': admin((o) => ({ id: o.user, displayName: 'Renamed by bob' })),
  'users.setRole': admin((o) => ({ id: o.user, role: 'admin' })),
  'users.setDisabled': admin((o) => ({ id: o.user, disabled: true })),
  'users.resetPassword': admin((o) => ({ id: o.user, password: 'taken-over-1' })),
  'users.remove': admin((o) => ({ id: o.user })),
  'users.sessions': admin((o) => ({ id: o.user })),
  'users.revokeSessions': admin((o) => ({ id: o.user, session: o.signIn })),
  'audit.list': admin(() => ({ action: 'auth' })),

  'account.get': self(),
  'account.changePassword': self(() => ({ current: 'bob-password-1', next: 'bob-password-1' })),
  'account.sessions': list({ shows: 'signIn' }),
  'members.list': owned((o) => ({ workspaceId: o.workspace })),
  'members.add': owned((o) => ({ workspaceId: o.workspace, who: 'admin', role: 'editor' })),
  'members.setRole': owned((o, mine) => ({ workspaceId: o.workspace, userId: mine.user, role: 'editor' })),
  'members.remove': owned((o) => ({ workspaceId: o.workspace, userId: o.user })),
  'members.sharedWithMe': list(),
  'account.revokeSession': owned((o) => ({ id: o.signIn })),

  'mirrors.list': [list({ shows: 'mirror' }), list({ input: (o) => ({ workspaceId: o.cloudWorkspace }) })],
  'mirrors.create': [owned((o) => ({ workspaceId: o.workspace, peerWorkspaceId: o.cloudWorkspace })), owned((o, mine) => ({ workspaceId: mine.workspace, peerWorkspaceId: o.cloudWorkspace }))],
  'mirrors.pause': owned((o) => ({ id: o.mirror })),
  'mirrors.resume': owned((o) => ({ id: o.mirror })),
  'mirrors.remove': owned((o) => ({ id: o.mirror })),
  'mirrors.conflicts': [owned((o) => ({ id: o.mirror })), self((o) => ({ id: o.mirror }))],
  'mirrors.transfers': [owned((o) => ({ id: o.mirror })), self((o) => ({ id: o.mirror }))],
  'mirrors.resolve': owned((o) => ({ id: o.mirror, path: o.file, resolution: { kind: 'keep', side: 'a' } })),

  'settings.get': self(),
  'settings.update': self(() => ({ theme: 'light' })),
};
