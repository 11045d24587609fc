/** This machine: a folder here; terminals in the pty host (they outlive the gateway) or in-process;
 * a member's sandboxed, an admin's not (README: Roles). */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TetherError } from '../errors';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import type { PtyHosts } from '../runtimes/local/pty-host';
import type { Runtime } from '../runtimes/runtime';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import { elsewhereRuntime } from './elsewhere';
import type { Placement } from './placement';

export interface LocalPlacementDeps {
  workspaces: WorkspaceService;
  /** DATA_DIR/workspaces: where moved-in workspaces get a folder. */
  base: string;
  /** Where terminals live when they should outlive the gateway; null: in the gateway. */
  ptyHosts: PtyHosts | null;
  /** Extra environment for terminals. */
  terminalEnv?: Record<string, string>;
  /** Builds the runtime instead of the default (tests). */
  runtimeFor?: (ws: Workspace) => Runtime;
  /** Whether a workspace's terminals and commands run sandboxed (os/sandbox.ts): a member's do. */
  confined?: (ws: Workspace) => Promise<boolean>;
  /** Several gateways on several machines: the node each local workspace is pinned to (README:
   * Running several gateways). Absent: one gateway, every local workspace is here. */
  pins?: NodePinsView | null;
}

const LABEL = 'this machine';

/** Which node (machine + DATA_DIR) each local workspace is pinned to (cluster/node-pins.ts). */
export interface NodePinsView {
  /** This gateway's node. */
  readonly here: string;
  /** The node pinned for this workspace at this folder (a move to another folder pins anew). */
  nodeOf(workspaceId: string, root: string): string | null;
  /** Record that this node holds the workspace's folder. */
  pinHere(workspaceId: string, root: string): void;
}

export function localPlacement(deps: LocalPlacementDeps): Placement<'local'> {
  const { ptyHosts, terminalEnv } = deps;
  return {
    kind: 'local',
    build: async (ws) => {
      if (deps.runtimeFor) return deps.runtimeFor(ws);
      const { pins } = deps;
      if (pins) {
        const node = pins.nodeOf(ws.id, ws.root);
        if (node !== null && node !== pins.here) return elsewhereRuntime(ws.id, node);
        // Unpinned: the first node whose machine has the folder claims it.
        if (node === null) {
          if (!existsSync(ws.root)) return elsewhereRuntime(ws.id, null);
          pins.pinHere(ws.id, ws.root);
        }
      }
      const confine = (await deps.confined?.(ws)) ?? false;
      return new LocalRuntime(ws.root, { env: terminalEnv, confine, hosted: ptyHosts?.forWorkspace(ws.id, ws.root, terminalEnv, confine) });
    },
    check: async () => {},
    async provision({ user, name, target, forMove }) {
      if (!forMove) {
        if (target.root !== undefined && user.role !== 'admin') throw new TetherError('forbidden', 'Only an admin can place a workspace at a custom path');
        const root = await deps.workspaces.localFolder(user.id, name, target.root);
        return { place: { kind: 'local', root, hostId: null, workerId: null }, label: LABEL, cleanup: async () => {} };
      }
      // A move gets a fresh folder: <name>, or <name>-2… when that one has content.
      let dir = path.join(deps.base, user.id, name);
      for (let n = 2; await readdir(dir).then((e) => e.length > 0, () => false); n++) dir = path.join(deps.base, user.id, `${name}-${n}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return { place: { kind: 'local', root: dir, hostId: null, workerId: null }, label: LABEL, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
    isAt: (place) => place.kind === 'local',
    label: async () => LABEL,
    release: async () => {},
    removalDeletesFiles: false,
    // Only the pty host keeps terminals across a gateway restart.
    mayHaveTerminals: async () => ptyHosts !== null,
    status: async () => ({ host: null, pool: null }),
  };
}
