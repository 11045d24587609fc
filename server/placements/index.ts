/**
 * The placements table: every kind of place a workspace can run, one module each. The server's
 * composition root builds it once; the runtime registry, workspace creation, moves, re-adoption
 * after a restart and the status badge go through it instead of branching on a workspace's kind.
 *
 * Adding a placement: write `<name>.ts` exporting a `Placement<'<name>'>` (placement.ts says what
 * each member does), add the kind to Workspace['kind'] and PlacementTarget, and add its row here.
 */
import type { Runtime } from '../runtimes/runtime';
import type { Workspace } from '../workspaces/workspace-service';
import { cloudPlacement, type CloudPlacementDeps } from './cloud';
import { localPlacement, type LocalPlacementDeps } from './local';
import type { Place, Placement, PlacementKind, PlacementTable, PlacementTarget, ProvisionRequest, Provisioned } from './placement';
import { sshPlacement, type SshPlacementDeps } from './ssh';

export type { Place, PlacementKind, PlacementTarget, Provisioned };

export type PlacementDeps = LocalPlacementDeps & SshPlacementDeps & CloudPlacementDeps;

export class Placements {
  private readonly table: PlacementTable;

  constructor(deps: PlacementDeps) {
    this.table = { local: localPlacement(deps), ssh: sshPlacement(deps), cloud: cloudPlacement(deps) };
  }

  of<K extends PlacementKind>(kind: K): Placement<K> {
    return this.table[kind] as Placement<K>;
  }

  /** The runtime serving a workspace (the runtime registry's factory). */
  build(ws: Workspace): Promise<Runtime> {
    return this.of(ws.kind).build(ws);
  }

  label(place: Place, userId: string): Promise<string> {
    return this.of(place.kind).label(place, userId);
  }

  /** Check a target (it exists, the user may use it) before anything is prepared. */
  check(userId: string, target: PlacementTarget): Promise<void> {
    return (this.of(target.kind) as Placement).check(userId, target as never);
  }

  isAt(place: Place, target: PlacementTarget): boolean {
    return (this.of(target.kind) as Placement).isAt(place, target as never);
  }

  provision(req: ProvisionRequest<PlacementKind> & { target: PlacementTarget }): Promise<Provisioned> {
    return (this.of(req.target.kind) as Placement).provision(req as never);
  }

  release(place: Place): Promise<void> {
    return this.of(place.kind).release(place);
  }

  all(): Placement[] {
    return Object.values(this.table) as Placement[];
  }
}
