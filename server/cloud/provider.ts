/**
 * What the orchestrator needs from a place that runs cloud workers: start one, stop it, and say
 * which exist and where their agents listen. A worker is one worker-agent process
 * (server/worker/main.ts) serving one workspace directory over an authenticated WebSocket.
 *
 * Providers keep their own record of workers (on disk, in a cloud API) so that a restarted gateway
 * can find the workers it started before; the orchestrator reconciles its database against it.
 */
import type { WorkerEndpoint } from '../runtimes/agent/agent-client';

export type WorkerSize = 'small' | 'medium' | 'large';

/** Where a worker's agent listens (`ws://…/`) and the bearer secret it demands: defined once, by
 * the agent link (agent-client.ts) that dials it. */
export type { WorkerEndpoint };

export interface ProviderWorker {
  id: string;
  state: 'starting' | 'running' | 'gone';
  /** Null unless running. */
  endpoint: WorkerEndpoint | null;
}

export interface WorkerProvider {
  readonly name: string;
  /** Start a worker; resolves when its agent listens. */
  create(spec: { id: string; size: WorkerSize }): Promise<ProviderWorker & { endpoint: WorkerEndpoint }>;
  /** Stop it and delete what it owns (its workspace directory). Idempotent. */
  destroy(id: string): Promise<void>;
  /** Workers this provider knows about (after a gateway restart too). */
  list(): Promise<ProviderWorker[]>;
  endpoint(id: string): Promise<WorkerEndpoint | null>;
}
