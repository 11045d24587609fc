/**
 * A placement is a kind of place a workspace runs: this machine, an SSH host, a cloud worker. Each
 * is one module (local.ts, ssh.ts, cloud.ts) implementing this contract, collected in one table
 * (index.ts); nothing else in the server branches on a workspace's kind. A new placement — a
 * container engine, another gateway's node — is one more module and one more row.
 */
import type { CloudWorkerState } from '../cloud/orchestrator';
import type { WorkerSize } from '../cloud/provider';
import type { Runtime } from '../runtimes/runtime';
import type { PoolEntryHealth } from '../runtimes/ssh/pool';
import type { Place, Workspace } from '../workspaces/workspace-service';

export type { Place };
export type PlacementKind = Workspace['kind'];

/** Where to put a workspace: a new one, or where a move takes it. */
export type PlacementTarget =
  | { kind: 'local'; /** An existing folder (admins; new workspaces only). */ root?: string }
  | { kind: 'ssh'; hostId: string; /** Default `~/tether/<name>`. */ path?: string }
  | { kind: 'cloud'; size?: WorkerSize };

export type TargetOf<K extends PlacementKind> = Extract<PlacementTarget, { kind: K }>;

export interface ProvisionRequest<K extends PlacementKind> {
  user: { id: string; role: string };
  /** The workspace's name (default folder names derive from it). */
  name: string;
  target: TargetOf<K>;
  /** The target of a move: the place must be new and empty (or already a clone of the repository). */
  forMove?: boolean;
}

/** A place made ready for a workspace, not yet recorded as its home. */
export interface Provisioned {
  place: Place;
  /** For people: "this machine", "box:/home/me/app", "a cloud worker". */
  label: string;
  /** Undo after a failure: give back what was acquired, remove what was created for it. */
  cleanup(): Promise<void>;
  /** The place is a folder the user named, which may hold files already: a move checks that it is
   * empty or a clone of the repository, and after a failure empties it only if it was empty. */
  userFolder?: boolean;
}

/** What the workspace's status badge shows of where it runs. */
export interface PlaceStatus {
  host: { id: string; name: string } | null;
  /** An SSH host's connection pool. */
  pool: Pick<PoolEntryHealth, 'state' | 'connections' | 'channels' | 'failures' | 'nextRetryAt' | 'connectMs' | 'lastError'> | null;
  /** A cloud workspace's worker (absent for other placements). */
  worker?: { id: string; state: CloudWorkerState; size: WorkerSize } | null;
}

export interface Placement<K extends PlacementKind = PlacementKind> {
  readonly kind: K;
  /** The runtime serving a workspace placed here. */
  build(ws: Workspace): Promise<Runtime>;
  /** Check a target before anything is prepared (the host exists…); throws with the reason. */
  check(userId: string, target: TargetOf<K>): Promise<void>;
  /** Make a place ready. */
  provision(req: ProvisionRequest<K>): Promise<Provisioned>;
  /** Whether `place` already is where `target` points. */
  isAt(place: Place, target: TargetOf<K>): boolean;
  /** For people: "this machine", "box:/home/me/app", "a cloud worker". */
  label(place: Place, userId: string): Promise<string>;
  /** The workspace left this place or was removed: give back what it held (a cloud worker). */
  release(place: Place): Promise<void>;
  /** Whether removing the workspace deletes its files (they live only in the place). */
  readonly removalDeletesFiles: boolean;
  /** Whether a workspace here may have terminals that outlived the previous gateway (asked at start). */
  mayHaveTerminals(ws: Workspace): Promise<boolean>;
  status(ws: Workspace, userId: string): Promise<PlaceStatus>;
}

export type PlacementTable = { readonly [K in PlacementKind]: Placement<K> };
