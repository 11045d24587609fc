/** What a terminal view connects to: an existing session, or a new one in a workspace. */
export type TerminalTarget =
  | {
      kind: 'attach';
      session: string;
      /**
       * Start from the gateway's rendered screen (`terminals.snapshot`: the current screen and a
       * little scrollback) and resume at its offset, instead of replaying the session's retained
       * output from the start. Falls back to the replay when the snapshot cannot be had.
       */
      snapshot?: boolean;
    }
  | { kind: 'create'; workspace: string; cwd?: string };

/**
 * A string that changes exactly when the target does: a view keeps its terminal (and channel)
 * while the key stays the same, however often its parent rebuilds the target object.
 */
export function terminalTargetKey(target: TerminalTarget): string {
  const snapshot = target.kind === 'attach' && target.snapshot === true;
  return target.kind === 'attach'
    ? `attach:${target.session}${snapshot ? ':snapshot' : ''}`
    : `create:${target.workspace}:${target.cwd ?? ''}`;
}
