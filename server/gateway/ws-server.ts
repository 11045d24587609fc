/**
 * `/ws` upgrade handling: Origin check (403) and authentication (401) happen before the `101`,
 * so an unauthenticated peer never gets a WebSocket. Pending (not yet authenticated) upgrades are
 * capped and timed out so they cannot pile up.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, CloseCode } from '../../lib/protocol';
import type { Authenticator } from '../auth/authenticator';
import { originAllowed, remoteAddress } from '../http/origin';
import type { Logger } from '../log';
import { Connection, type ConnectionLimits, type ConnectionObserver, type ConnectionUser, type SessionSource } from '../core/connection';

export const WS_PATH = '/ws';
/** A share guest's socket: `/shared/<shareId>/ws`, authenticated by that share's cookie. */
const GUEST_WS_PATH = /^\/shared\/([A-Za-z0-9_-]{1,64})\/ws$/;
const MAX_PENDING_UPGRADES = 64;
const UPGRADE_AUTH_TIMEOUT_MS = 10_000;

/** What a share guest's upgrade is allowed: who they are, what they reach, and a hook that learns
 * of the connection (to close it on revocation) and returns its unregister function. */
export interface GuestGrant {
  user: ConnectionUser;
  sessions: SessionSource;
  track(conn: Connection): () => void;
}

export interface GuestGate {
  /** The grant, or why not (answered with 403; the page asks tRPC for the words). */
  authorize(req: IncomingMessage, shareId: string): Promise<GuestGrant | { denied: string }>;
}

export interface WsGatewayOptions {
  authenticator: Authenticator;
  guests?: GuestGate;
  /** What a signed-in user's connection opens and finds terminals through; `link` closes that
   * connection (4403 with a reason: a workspace member removed) and tells when it ended. */
  sessionsFor(user: ConnectionUser, link: { close(reason: string): void; onClose(fn: () => void): void }): SessionSource;
  limits: ConnectionLimits;
  trustedOrigins: readonly string[];
  log: Logger;
  /** Metrics: bytes through connections, and refused upgrades by reason. */
  observe?: ConnectionObserver & { upgradeRefused(reason: string): void };
}

function reject(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export class WsGateway {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES });
  private readonly connections = new Set<Connection>();
  /** Connections by the sign-in session that opened them (cookie auth only). */
  private readonly bySession = new Map<string, Set<Connection>>();
  /** Connections by the account they act for (cookie or API token). */
  private readonly byUser = new Map<string, Set<Connection>>();
  private pending = 0;

  constructor(private readonly opts: WsGatewayOptions) {}

  /** Returns false when the path is not ours (leave it to Next, e.g. HMR). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const guestPath = GUEST_WS_PATH.exec(path);
    if (path !== WS_PATH && !guestPath) return false;
    if (!originAllowed(req, this.opts.trustedOrigins)) {
      this.opts.log.warn('upgrade refused: cross-origin', { origin: req.headers.origin, peer: remoteAddress(req) });
      this.opts.observe?.upgradeRefused('origin');
      reject(socket, 403, 'Forbidden');
      return true;
    }
    if (this.pending >= MAX_PENDING_UPGRADES) {
      this.opts.observe?.upgradeRefused('pending_limit');
      reject(socket, 503, 'Service Unavailable');
      return true;
    }
    if (guestPath) {
      this.upgradeGuest(req, socket, head, guestPath[1]!);
      return true;
    }
    this.pending++;
    const timer = setTimeout(() => socket.destroy(), UPGRADE_AUTH_TIMEOUT_MS);
    socket.on('error', () => socket.destroy());
    this.opts.authenticator
      .authenticate(req)
      .then((user) => {
        if (socket.destroyed) return;
        if (!user) {
          this.opts.log.info('upgrade refused: unauthenticated', { peer: remoteAddress(req) });
          this.opts.observe?.upgradeRefused('unauthenticated');
          return reject(socket, 401, 'Unauthorized');
        }
        this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
          const who = { id: user.id, name: user.name };
          const ended: (() => void)[] = [];
          const link = { close: (reason: string) => conn.close(CloseCode.FORBIDDEN, reason), onClose: (fn: () => void) => void ended.push(fn) };
          const conn: Connection = new Connection(ws, who, this.opts.sessionsFor(who, link), this.opts.limits, this.opts.log, undefined, this.opts.observe);
          this.connections.add(conn);
          const session = user.session;
          if (session) addTo(this.bySession, session, conn);
          addTo(this.byUser, user.id, conn);
          ws.on('close', () => {
            this.connections.delete(conn);
            if (session) removeFrom(this.bySession, session, conn);
            removeFrom(this.byUser, user.id, conn);
            for (const fn of ended) fn();
          });
        });
      })
      .catch((err: Error) => {
        this.opts.log.error('upgrade auth failed', { error: err.message });
        reject(socket, 500, 'Internal Server Error');
      })
      .finally(() => {
        clearTimeout(timer);
        this.pending--;
      });
    return true;
  }

  /** Guests: one database read (the guest with its share), under the same timeout as users. */
  private upgradeGuest(req: IncomingMessage, socket: Duplex, head: Buffer, shareId: string): void {
    this.pending++;
    const timer = setTimeout(() => socket.destroy(), UPGRADE_AUTH_TIMEOUT_MS);
    socket.on('error', () => socket.destroy());
    (this.opts.guests?.authorize(req, shareId) ?? Promise.resolve({ denied: 'not found' }))
      .then((grant) => {
        if (socket.destroyed) return;
        if ('denied' in grant) {
          this.opts.log.info('guest upgrade refused', { share: shareId, peer: remoteAddress(req) });
          this.opts.observe?.upgradeRefused('share');
          return reject(socket, 403, 'Forbidden');
        }
        this.acceptGuest(req, socket, head, grant);
      })
      .catch((err: Error) => {
        this.opts.log.error('guest upgrade auth failed', { error: err.message });
        reject(socket, 500, 'Internal Server Error');
      })
      .finally(() => {
        clearTimeout(timer);
        this.pending--;
      });
  }

  private acceptGuest(req: IncomingMessage, socket: Duplex, head: Buffer, grant: GuestGrant): void {
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const conn = new Connection(ws, grant.user, grant.sessions, this.opts.limits, this.opts.log, undefined, this.opts.observe);
      this.connections.add(conn);
      const untrack = grant.track(conn);
      ws.on('close', () => {
        untrack();
        this.connections.delete(conn);
      });
    });
  }

  /** The sign-in session ended: close its sockets (4401; the page goes to sign in). */
  closeSession(session: string, reason = 'signed out'): number {
    const set = this.bySession.get(session);
    if (!set) return 0;
    this.bySession.delete(session);
    for (const c of set) c.close(CloseCode.UNAUTHENTICATED, reason);
    return set.size;
  }

  /** The account was disabled or deleted: close every socket it has open (4401). */
  closeUser(userId: string, reason = 'account disabled'): number {
    const set = this.byUser.get(userId);
    if (!set) return 0;
    this.byUser.delete(userId);
    for (const c of set) c.close(CloseCode.UNAUTHENTICATED, reason);
    return set.size;
  }

  /** Open connections. */
  get size(): number {
    return this.connections.size;
  }

  /** Graceful shutdown: tell every client why, then stop. */
  close(reason = 'server shutting down'): void {
    for (const c of this.connections) c.close(CloseCode.GOING_AWAY, reason);
    this.connections.clear();
    this.wss.close();
  }
}

function addTo<K>(map: Map<K, Set<Connection>>, key: K, conn: Connection): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(conn);
}

function removeFrom<K>(map: Map<K, Set<Connection>>, key: K, conn: Connection): void {
  const set = map.get(key);
  set?.delete(conn);
  if (set?.size === 0) map.delete(key);
}
