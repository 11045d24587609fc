import type { Workspace } from '../workspaces/workspace-service';
import type { Runtime } from '../runtimes/runtime';

/** One Runtime per workspace, built on first use and disposed with the gateway. */
export class RuntimeRegistry {
  private readonly runtimes = new Map<string, { ws: Workspace; runtime: Runtime }>();

  constructor(private readonly factory: (ws: Workspace) => Runtime) {}

  forWorkspace(ws: Workspace): Runtime {
    let e = this.runtimes.get(ws.id);
    if (!e) this.runtimes.set(ws.id, (e = { ws, runtime: this.factory(ws) }));
    return e.runtime;
  }

  /** A runtime for a workspace-to-be (a migration target), not cached. */
  build(ws: Workspace): Runtime {
    return this.factory(ws);
  }

  /** Dispose the runtime of a workspace that is going away. */
  async drop(workspaceId: string): Promise<void> {
    const e = this.runtimes.get(workspaceId);
    this.runtimes.delete(workspaceId);
    await e?.runtime.dispose();
  }

  /** The settings runtimes were built with changed (an SSH host's runner mode): the runtimes of the
   * matching workspaces are disposed, and built again on next use. Terminals already open keep
   * running; they do not belong to the runtime. */
  async rebuild(match: (ws: Workspace) => boolean): Promise<void> {
    await Promise.allSettled([...this.runtimes.values()].filter((e) => match(e.ws)).map((e) => this.drop(e.ws.id)));
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.runtimes.values()].map((e) => e.runtime.dispose()));
    this.runtimes.clear();
  }
}
