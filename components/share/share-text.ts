/** Words for share links: durations, expiries, what a link covers and what it lets guests do. */

export type ShareScope = 'view' | 'drive';
export type ShareExpiry = '15m' | '1h' | '8h' | '24h' | '7d' | 'never';

export const EXPIRY_OPTIONS: ReadonlyArray<readonly [ShareExpiry, string]> = [
  ['15m', '15 minutes'],
  ['1h', '1 hour'],
  ['8h', '8 hours'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['never', 'Until revoked'],
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A rough length of time: "less than a minute", "12 min", "3 h", "2 days". */
export function duration(ms: number): string {
  if (ms < MINUTE) return 'less than a minute';
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < 2 * DAY) return `${Math.round(ms / HOUR)} h`;
  return `${Math.round(ms / DAY)} days`;
}

/** "2 min ago", "just now". */
export function ago(at: number, now: number): string {
  const ms = Math.max(0, now - at);
  return ms < MINUTE ? 'just now' : `${duration(ms)} ago`;
}

export function expiryText(s: { state: 'active' | 'revoked' | 'expired'; expiresAt: number | null }, now: number): string {
  if (s.state === 'revoked') return 'revoked';
  if (s.state === 'expired') return 'expired';
  if (s.expiresAt === null) return 'until revoked';
  const left = s.expiresAt - now;
  return left <= 0 ? 'expired' : `expires in ${duration(left)}`;
}

export function coversText(s: {
  sessionId: string | null;
  session?: { title: string; running: boolean } | null;
  workspaceName: string | null;
}): string {
  if (s.sessionId !== null) {
    if (!s.session) return 'Terminal: (ended)';
    return `Terminal: ${s.session.title || 'untitled'}${s.session.running ? '' : ' (ended)'}`;
  }
  return `Whole workspace ${s.workspaceName ?? '(removed)'}`;
}

export function scopeText(scope: ShareScope): string {
  return scope === 'drive' ? 'can type' : 'view only';
}

/** "Anyone with it can watch this terminal until Tue 14:02." */
export function grantText(scope: ShareScope, terminal: boolean, expiresAt: number | null): string {
  const what =
    scope === 'view'
      ? terminal
        ? 'watch this terminal'
        : "watch this workspace's terminals"
      : terminal
        ? 'watch and type in this terminal'
        : "type in this workspace's terminals and edit its files";
  const until = expiresAt === null ? 'until you revoke it' : `until ${new Date(expiresAt).toLocaleString()}`;
  return `Anyone with it can ${what} ${until}.`;
}

export function auditText(e: { kind: 'created' | 'joined' | 'revoked' | 'expired' | 'kicked'; guest: string | null; ip: string | null }): string {
  const from = e.ip ? ` from ${e.ip}` : '';
  switch (e.kind) {
    case 'created':
      return `Link created${from}`;
    case 'joined':
      return `${e.guest ?? 'A guest'} joined${from}`;
    case 'kicked':
      return `${e.guest ?? 'A guest'} was removed`;
    case 'revoked':
      return 'Link revoked';
    case 'expired':
      return 'Link expired';
  }
}
