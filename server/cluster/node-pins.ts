/**
 * Which node holds each local workspace. A node is a machine with its DATA_DIR (TETHER_NODE_NAME,
 * default the host name); gateways on one node share its folders and its pty host, so they all
 * serve its local workspaces. A gateway on another node cannot reach that folder or that pty
 * host and answers with where the workspace lives (placements/elsewhere.ts).
 *
 * A workspace is pinned the first time a gateway whose machine has its folder serves it. Pins are
 * rows of `workspace_nodes` (migration 15), loaded at start and kept current through the cluster
 * bus, so the placement can decide synchronously when it builds a runtime.
 */
import type { DatabaseHandle } from '../db/database';
import type { Logger } from '../log';
import type { NodePinsView } from '../placements/local';
import type { ClusterBus } from './bus';

export class NodePins implements NodePinsView {
  private readonly pins = new Map<string, { node: string; root: string }>();

  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly bus: ClusterBus,
    readonly here: string,
    private readonly log: Logger,
  ) {
    bus.subscribe('workspace.pinned', ({ workspaceId, node, root }) => this.pins.set(workspaceId, { node, root }));
  }

  async load(): Promise<void> {
    for (const r of await this.dbh.db.select().from(this.dbh.t.workspaceNodes)) this.pins.set(r.workspaceId, { node: r.node, root: r.root });
  }

  nodeOf(workspaceId: string, root: string): string | null {
    const pin = this.pins.get(workspaceId);
    return pin && pin.root === root ? pin.node : null;
  }

  pinHere(workspaceId: string, root: string): void {
    if (this.nodeOf(workspaceId, root) !== null) return;
    const pin = { node: this.here, root };
    this.pins.set(workspaceId, pin);
    const { workspaceNodes } = this.dbh.t;
    const write = this.dbh.db.insert(workspaceNodes).values({ workspaceId, ...pin, pinnedAt: Date.now() }).onConflictDoUpdate({ target: workspaceNodes.workspaceId, set: { ...pin, pinnedAt: Date.now() } });
    void Promise.resolve(write)
      .then(() => this.bus.publish('workspace.pinned', { workspaceId, ...pin }))
      .catch((err: Error) => this.log.warn('workspace not pinned to this node', { workspace: workspaceId, error: err.message }));
  }
}
