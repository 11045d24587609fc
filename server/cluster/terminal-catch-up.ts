/**
 * Several gateways, one set of terminals: a terminal on an agent (cloud worker, SSH runner, the
 * machine's pty host) belongs to the agent, not to the gateway that opened it. Another gateway
 * learns of it when a browser asks — an OPEN of a session it does not have (a browser whose
 * gateway died, reconnected through the load balancer), or a terminal list — and then attaches it
 * exactly as re-adoption after a restart does (placements/readoption.ts): same session id, the
 * agent's stream offsets, replay from the agent's ring, so the browser resumes without a gap or
 * a repeat. Each agent serves every gateway's link at once (server/worker/agent.ts).
 *
 * Lazily, per user, rather than on a "terminal opened" event: a gateway then relays only the
 * terminals its own browsers watch, instead of every terminal of the cluster.
 */
import type { SessionRegistry } from '../core/session-registry';
import type { Logger } from '../log';
import type { Placements } from '../placements';
import { readoptTerminals } from '../placements/readoption';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { WorkspaceService } from '../workspaces/workspace-service';

/** A catch-up that found nothing is not repeated for this long (unknown ids cost no agent calls). */
const QUIET_MS = 1000;

export interface TerminalCatchUpDeps {
  workspaces: WorkspaceService;
  placements: Placements;
  runtimes: RuntimeRegistry;
  sessions: SessionRegistry;
  log: Logger;
}

export class TerminalCatchUp {
  private readonly inFlight = new Map<string, Promise<number>>();
  private readonly lastEmpty = new Map<string, number>();

  constructor(private readonly deps: TerminalCatchUpDeps) {}

  /** Attach the terminals other gateways opened in `userId`'s workspaces (one, if given); how many. */
  forUser(userId: string, workspaceId?: string): Promise<number> {
    const key = `${userId}/${workspaceId ?? '*'}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    if (Date.now() - (this.lastEmpty.get(key) ?? 0) < QUIET_MS) return Promise.resolve(0);
    const { workspaces, placements, runtimes, sessions, log } = this.deps;
    const p = readoptTerminals(workspaces, placements, runtimes, sessions, log, (u, w) => u === userId && (!workspaceId || w === workspaceId))
      .then((n) => {
        if (n === 0) this.lastEmpty.set(key, Date.now());
        else this.lastEmpty.delete(key);
        if (n) log.info("attached terminals another gateway opened", { userId, terminals: n });
        return n;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }
}
