/**
 * What the workspace header says of a live mirror (server/mirror): a short label, a longer
 * sentence for the tooltip and screen readers, and a state the dot is coloured by.
 */
export interface MirrorStatusView {
  state: 'starting' | 'in-sync' | 'syncing' | 'conflicts' | 'paused' | 'error';
  pending: number;
  conflicts: number;
  errors: { path: string; reason: string }[];
  detail: string | null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function mirrorLabel(s: MirrorStatusView): string {
  switch (s.state) {
    case 'starting':
      return 'Starting';
    case 'in-sync':
      return s.errors.length ? plural(s.errors.length, 'file stopped', 'files stopped') : 'In sync';
    case 'syncing':
      return s.pending ? `Syncing ${s.pending}` : 'Syncing';
    case 'conflicts':
      return plural(s.conflicts, 'conflict', 'conflicts');
    case 'paused':
      return 'Paused';
    case 'error':
      return 'Error';
  }
}

export function mirrorSentence(s: MirrorStatusView, peer: string): string {
  const base = `Mirror with ${peer}: `;
  switch (s.state) {
    case 'starting':
      return `${base}comparing both sides`;
    case 'in-sync':
      return s.errors.length ? `${base}in sync except ${plural(s.errors.length, 'file', 'files')} that could not be copied` : `${base}in sync`;
    case 'syncing':
      return `${base}copying ${plural(s.pending, 'file', 'files')}`;
    case 'conflicts':
      return `${base}${plural(s.conflicts, 'file was', 'files were')} changed on both sides; choose which version to keep`;
    case 'paused':
      return `${base}paused; nothing is copied until you resume`;
    case 'error':
      return `${base}${s.detail ?? 'a side is out of reach'}; retrying`;
  }
}
