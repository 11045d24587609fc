/**
 * The folders a gateway has bound on an agent that serves several (`workspaces.bind`: SSH
 * runner, pty host). A binding lives in the agent process, so every new link binds them all
 * again first (a restarted agent has none); `ensure` binds one unless it is bound, unchanged, on
 * the link that is up.
 */
import type { ParamsOf, ResultOf } from '../../../lib/protocol';
import type { AgentClient, CallNow } from './agent-client';

export type BindParams = Omit<ParamsOf<'workspaces.bind'>, 'workspace'>;

export class AgentBindings {
  private readonly bound = new Map<string, BindParams>();

  constructor(private readonly agent: () => AgentClient) {}

  /** For AgentClientOptions.afterConnect. */
  async rebind(callNow: CallNow): Promise<void> {
    for (const [workspace, params] of this.bound) await callNow('workspaces.bind', { ...params, workspace });
  }

  /** Bind `workspace` (connecting if needed); answers the agent's reply, or null when it was
   * already bound with these parameters. A failed bind leaves the previous binding in place. */
  async ensure(workspace: string, params: BindParams): Promise<ResultOf<'workspaces.bind'> | null> {
    const had = this.bound.get(workspace);
    if (had && this.agent().connected && JSON.stringify(had) === JSON.stringify(params)) return null;
    const result = (await this.agent().call('workspaces.bind', { ...params, workspace })).result;
    this.bound.set(workspace, params);
    return result;
  }
}
