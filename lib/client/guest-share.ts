/**
 * Words for a share guest's page: why a share ended (from the server's message, which is all a
 * closed socket or a refused call carries) and how long a link has left.
 */

export type ShareEndReason = 'revoked' | 'expired' | 'kicked' | 'not_found';

/** The server's messages (server/sharing/share-service.ts DENIAL_MESSAGES) mapped back to why. */
export function shareEndReason(message: string): ShareEndReason {
  if (/revoked/i.test(message)) return 'revoked';
  if (/expired/i.test(message)) return 'expired';
  if (/removed you/i.test(message)) return 'kicked';
  return 'not_found';
}

export const SHARE_END_TITLES: Readonly<Record<ShareEndReason, string>> = {
  revoked: 'Link revoked',
  expired: 'Link expired',
  kicked: 'Removed from this share',
  not_found: 'Link not valid',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "expires in 5 minutes", "expires in 2 hours 10 minutes", "expires in 3 days", "never expires". */
export function expiryText(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'never expires';
  const left = expiresAt - now;
  if (left <= 0) return 'expired';
  if (left < MINUTE) return 'expires in less than a minute';
  if (left < HOUR) return `expires in ${plural(Math.ceil(left / MINUTE), 'minute')}`;
  if (left < DAY) {
    const h = Math.floor(left / HOUR);
    const m = Math.round((left - h * HOUR) / MINUTE);
    return m === 0 || m === 60 ? `expires in ${plural(m === 60 ? h + 1 : h, 'hour')}` : `expires in ${plural(h, 'hour')} ${plural(m, 'minute')}`;
  }
  const d = Math.floor(left / DAY);
  const h = Math.round((left - d * DAY) / HOUR);
  return h === 0 || h === 24 ? `expires in ${plural(h === 24 ? d + 1 : d, 'day')}` : `expires in ${plural(d, 'day')} ${plural(h, 'hour')}`;
}
