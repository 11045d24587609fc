/**
 * What a share link is, in data: the share and guest records, the principal a guest's requests
 * carry, why access is denied (in words), the token and cookie formats, and a share's row as a
 * Share. The service that issues, authenticates and revokes them is share-service.ts.
 */
import type { Tables } from '../db/database';

export type ShareScope = 'view' | 'drive';
export type ShareState = 'active' | 'revoked' | 'expired';
export type ShareEventKind = 'created' | 'joined' | 'revoked' | 'expired' | 'kicked';

export interface Share {
  id: string;
  ownerId: string;
  workspaceId: string;
  /** The one terminal shared; null shares the whole workspace. */
  sessionId: string | null;
  scope: ShareScope;
  label: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface Guest {
  id: string;
  shareId: string;
  number: number;
  name: string;
}

/** Someone using a share: what they may reach, and who they are. */
export interface GuestPrincipal {
  share: Share;
  guest: Guest;
}

/** Joins per link: a leaked link cannot grow the guest table without bound. */
export const MAX_GUESTS_PER_SHARE = 100;
/** Links a user may have working at once (revoked and expired ones do not count). */
export const MAX_ACTIVE_SHARES_PER_USER = 50;

/** Why a token or guest cookie does not open anything. */
export type Denial = 'not_found' | 'revoked' | 'expired' | 'kicked' | 'full';

export const DENIAL_MESSAGES: Readonly<Record<Denial, string>> = {
  not_found: 'This link is not valid. Ask the person who shared it for a new one.',
  revoked: 'This link was revoked by its owner.',
  expired: 'This link has expired.',
  kicked: 'The owner removed you from this share.',
  full: `This link has been opened by ${MAX_GUESTS_PER_SHARE} guests, its limit. Ask the person who shared it for a new one.`,
};

export type Resolution<T> = { ok: true; value: T } | { ok: false; denial: Denial };

export interface ShareSummary extends Share {
  state: ShareState;
  /** Guests connected now. */
  online: number;
  /** Guests who ever joined through this link. */
  joined: number;
}

export interface ShareEvent {
  id: number;
  shareId: string;
  label: string;
  at: number;
  kind: ShareEventKind;
  guest: string | null;
  ip: string | null;
}

export const TOKEN_PREFIX = 'tsh_';
export const TOKEN_PATTERN = /^tsh_[A-Za-z0-9_-]{43}$/;
export const COOKIE_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
export const SHARE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** Name of the guest cookie; its Path is `/shared/<shareId>`, so each share has its own. */
export const GUEST_COOKIE = 'tether_share';
/** A share "until revoked" still gives its guests a cookie that lasts at most this long. */

export function guestName(number: number): string {
  return `Guest ${number}`;
}

/** A share's row as a Share. */
export function toShare(r: Tables['shares']['$inferSelect']): Share {
  return {
    id: r.id,
    ownerId: r.ownerId,
    workspaceId: r.workspaceId,
    sessionId: r.sessionId,
    scope: r.scope,
    label: r.label,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
  };
}
