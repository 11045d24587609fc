/**
 * What a share guest reaches through the terminal gateway: the owner's sessions narrowed to the
 * share, seen as the guest (shared-session.ts: passive, read-only for `view`, in presence).
 * Anything outside the share is answered exactly like something that does not exist.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, ErrorCode } from '../../lib/protocol';
import type { ConnectionUser, SessionSource } from '../core/connection';
import { GatewayError } from '../core/errors';
import type { TerminalSession } from '../core/session';
import type { GuestGate } from '../gateway/ws-server';
import { parseCookies } from '../http/cookies';
import { GUEST_COOKIE, type GuestPrincipal, type Share, type ShareService } from './share-service';
import { sharedSessions, type Participant, type PresenceBoard } from './shared-session';

/** Whether `session` is inside what `share` covers. */
export function sessionInShare(share: Share, session: TerminalSession): boolean {
  if (session.info.userId !== share.ownerId || session.info.workspaceId !== share.workspaceId) return false;
  return share.sessionId === null || session.id === share.sessionId;
}

export function guestParticipant({ share, guest }: GuestPrincipal): Participant {
  return { id: `guest:${guest.id}`, name: guest.name, role: 'guest', scope: share.scope, shareId: share.id, guestId: guest.id };
}

export function guestConnectionUser(principal: GuestPrincipal): ConnectionUser {
  return { id: principal.guest.id, name: principal.guest.name };
}

/** The owner's session source, narrowed to the share. */
export function guestSessionSource(principal: GuestPrincipal, owner: SessionSource<TerminalSession>): SessionSource<TerminalSession> {
  const { share } = principal;
  const ownerUser = { id: share.ownerId, name: '' };
  return {
    async create(_user, req) {
      if (share.scope === 'view') throw new GatewayError(ErrorCode.FORBIDDEN, 'this share link is view-only; it cannot open terminals');
      if (share.sessionId !== null) throw new GatewayError(ErrorCode.FORBIDDEN, 'this link shares one terminal; it cannot open new ones');
      if (req.workspace !== share.workspaceId) throw new GatewayError(ErrorCode.NOT_FOUND, 'no such workspace');
      return owner.create(ownerUser, req);
    },
    async find(_user, id) {
      const s = await owner.find(ownerUser, id);
      return s && sessionInShare(share, s) ? s : null;
    },
    forget: (session) => owner.forget(session),
  };
}

/** Upgrades of `/shared/<id>/ws`: the share's cookie decides, and the socket is tracked so that
 * revoking, expiry or a kick closes it with 4403 and the reason. */
export function createGuestGate(shares: ShareService, owner: SessionSource<TerminalSession>, presence: PresenceBoard): GuestGate {
  return {
    async authorize(req: IncomingMessage, shareId: string) {
      const auth = await shares.authenticate(shareId, parseCookies(req.headers.cookie)[GUEST_COOKIE]);
      if (!auth.ok) return { denied: auth.denial };
      const principal = auth.value;
      return {
        user: guestConnectionUser(principal),
        sessions: sharedSessions(guestSessionSource(principal, owner), guestParticipant(principal), presence),
        track: (conn) => shares.attach(principal, (reason) => conn.close(CloseCode.FORBIDDEN, reason)),
      };
    },
  };
}
