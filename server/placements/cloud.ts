/** A cloud worker: acquired from the orchestrator's pool, its files live and die with it. */
import type { Orchestrator } from '../cloud/orchestrator';
import type { Logger } from '../log';
import { CloudRuntime } from '../runtimes/cloud/cloud-runtime';
import type { Placement } from './placement';

export interface CloudPlacementDeps {
  orchestrator: Orchestrator;
  log: Logger;
}

const LABEL = 'a cloud worker';

export function cloudPlacement({ orchestrator, log }: CloudPlacementDeps): Placement<'cloud'> {
  return {
    kind: 'cloud',
    async build(ws) {
      const workerId = ws.workerId ?? '';
      return new CloudRuntime({
        id: `cloud:${workerId}`,
        endpoint: () => orchestrator.endpointOf(workerId),
        onActivity: () => orchestrator.touch(workerId),
        log: log.child({ component: 'cloud', worker: workerId }),
      });
    },
    check: async () => {},
    async provision({ user, target }) {
      const worker = await orchestrator.acquire(user.id, target.size ?? 'small');
      return { place: { kind: 'cloud', root: `cloud:${worker.id}`, hostId: null, workerId: worker.id }, label: LABEL, cleanup: () => orchestrator.release(worker.id) };
    },
    isAt: (place) => place.kind === 'cloud',
    label: async () => LABEL,
    release: async (place) => {
      if (place.workerId) await orchestrator.release(place.workerId);
    },
    removalDeletesFiles: true,
    mayHaveTerminals: async () => true,
    async status(ws) {
      const worker = ws.workerId ? await orchestrator.get(ws.workerId) : null;
      return { host: null, pool: null, worker: worker ? { id: worker.id, state: worker.state, size: worker.size } : null };
    },
  };
}
