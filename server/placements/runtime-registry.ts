import type { Workspace } from '../workspaces/workspace-service';
import type { Runtime } from '../runtimes/runtime';

/** One Runtime per workspace, built on first use and disposed with the gateway. */
export class RuntimeRegistry {
  private readonly runtimes = new Map<string, Runtime>();

  constructor(private readonly factory: (ws: Workspace) => Runtime) {}

  forWorkspace(ws: Workspace): Runtime {
    let r = this.runtimes.get(ws.id);
    if (!r) this.runtimes.set(ws.id, (r = this.factory(ws)));
    return r;
  }

  /** A runtime for a workspace-to-be (a migration target), not cached. */
  build(ws: Workspace): Runtime {
    return this.factory(ws);
  }

  /** Dispose the runtime of a workspace that is going away. */
  async drop(workspaceId: string): Promise<void> {
    const r = this.runtimes.get(workspaceId);
    this.runtimes.delete(workspaceId);
    await r?.dispose();
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.runtimes.values()].map((r) => r.dispose()));
    this.runtimes.clear();
  }
}
