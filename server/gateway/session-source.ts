/**
 * What the `/ws` gateway opens and finds terminals through (its SessionSource), backed by the
 * session registry and the workspaces' runtimes.
 */
import { ErrorCode } from '../../lib/protocol';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { WorkspaceService } from '../workspaces/workspace-service';
import type { SessionSource } from '../core/connection';
import { GatewayError } from '../core/errors';
import { SessionLimitError, type SessionRegistry } from '../core/session-registry';
import type { TerminalSession } from '../core/session';

/** How long an OPEN of an unknown session waits for the re-adoption after a restart. */
const ADOPTION_WAIT_MS = 10_000;

export interface SessionSourceOptions {
  registry: SessionRegistry;
  workspaces: WorkspaceService;
  runtimes: RuntimeRegistry;
  /** A limit refused an open (metrics). */
  onLimit: (limit: string) => void;
  /** The re-adoption of terminals after a restart, while it runs. */
  adopting: () => Promise<unknown>;
  /** Several gateways: attach the terminals another gateway opened for this user (cluster/terminal-catch-up.ts). */
  catchUp?: (userId: string) => Promise<unknown>;
}

export function sessionSource(opts: SessionSourceOptions): SessionSource<TerminalSession> {
  const { registry, workspaces, runtimes, onLimit, adopting, catchUp } = opts;
  const adopted = async (user: { id: string }, id: string) => {
    await Promise.race([adopting(), new Promise((r) => setTimeout(r, ADOPTION_WAIT_MS).unref())]);
    const s = registry.getForUser(id, user.id);
    if (s || !catchUp) return s;
    await catchUp(user.id);
    return registry.getForUser(id, user.id);
  };
  return {
    async create(user, req) {
      const ws = await workspaces.get(user.id, req.workspace);
      if (!ws) throw new GatewayError(ErrorCode.NOT_FOUND, 'no such workspace');
      try {
        return await registry.create({
          userId: user.id,
          workspaceId: ws.id,
          runtime: await runtimes.forWorkspace(ws),
          pty: { cols: req.cols, rows: req.rows, cwd: req.cwd, command: req.command },
        });
      } catch (err) {
        if (err instanceof SessionLimitError) onLimit('sessions_per_user');
        throw err;
      }
    },
    // A browser reconnecting right after a restart may ask before its terminal is adopted again,
    // or (several gateways) for one another gateway opened.
    find: async (user, id) => registry.getForUser(id, user.id) ?? adopted(user, id),
    forget: (session) => registry.forget(session.id),
  };
}
