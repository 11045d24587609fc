import type { Workspace } from '../workspaces/workspace-service';
import type { Runtime } from '../runtimes/runtime';

/** One Runtime per workspace, built on first use and disposed with the gateway. */
export class RuntimeRegistry {
  /** Built or being built (the build may read the database: an SSH host, a cloud worker). */
  private readonly runtimes = new Map<string, { ws: Workspace; runtime: Promise<Runtime> }>();

  constructor(private readonly factory: (ws: Workspace) => Promise<Runtime>) {}

  forWorkspace(ws: Workspace): Promise<Runtime> {
    let e = this.runtimes.get(ws.id);
    if (!e) {
      const entry = { ws, runtime: this.factory(ws) };
      this.runtimes.set(ws.id, (e = entry));
      // A failed build is not kept: the next use tries again.
      entry.runtime.catch(() => {
        if (this.runtimes.get(ws.id) === entry) this.runtimes.delete(ws.id);
      });
    }
    return e.runtime;
  }

  /** A runtime for a workspace-to-be (a migration target), not cached. */
  build(ws: Workspace): Promise<Runtime> {
    return this.factory(ws);
  }

  /** Dispose the runtime of a workspace that is going away. */
  async drop(workspaceId: string): Promise<void> {
    const e = this.runtimes.get(workspaceId);
    this.runtimes.delete(workspaceId);
    await e?.runtime.then((rt) => rt.dispose(), () => {});
  }

  /** The settings runtimes were built with changed (an SSH host's runner mode): the runtimes of the
   * matching workspaces are disposed, and built again on next use. Terminals already open keep
   * running; they do not belong to the runtime. */
  async rebuild(match: (ws: Workspace) => boolean): Promise<void> {
    await Promise.allSettled([...this.runtimes.values()].filter((e) => match(e.ws)).map((e) => this.drop(e.ws.id)));
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.runtimes.values()].map(async (e) => (await e.runtime).dispose()));
    this.runtimes.clear();
  }
}
