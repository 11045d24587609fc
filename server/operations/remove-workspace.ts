/**
 * Removing a workspace, in the one order that loses nothing by surprise: its share links and its
 * members' sockets stop first (no guest or member watches the terminals end), then its terminals
 * end, its runtime is dropped, the record goes and the placement releases what it held (a cloud
 * worker; local files stay).
 */
import type { Placements } from '../placements';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { SessionRegistry } from '../core/session-registry';
import type { MemberService } from '../sharing/members';
import type { ShareService } from '../sharing/share-service';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';

export interface RemovalDeps {
  shares: ShareService;
  members: MemberService;
  sessions: SessionRegistry;
  runtimes: RuntimeRegistry;
  workspaces: WorkspaceService;
  placements: Placements;
  /** What the home page shows as "last activity". */
  activity: { forget(workspaceId: string): void };
}

export async function removeWorkspace(deps: RemovalDeps, userId: string, ws: Workspace): Promise<{ terminalsEnded: number; filesDeleted: boolean }> {
  await deps.shares.revokeWorkspace(userId, ws.id);
  // Its members' sockets close too; their memberships go with the record (ON DELETE CASCADE).
  deps.members.workspaceRemoved(ws.id);
  const ended = await deps.sessions.forgetWorkspace(userId, ws.id);
  await deps.runtimes.drop(ws.id);
  await deps.workspaces.remove(userId, ws.id);
  deps.activity.forget(ws.id);
  await deps.placements.release(ws);
  return { terminalsEnded: ended, filesDeleted: deps.placements.of(ws.kind).removalDeletesFiles };
}
