/** The orchestrator over real worker processes (ProcessProvider); the scenarios are shared with the docker provider. */
import { createCloudFixture } from './testing/cloud-fixture';
import { orchestratorScenarios } from './testing/orchestrator-scenarios';

orchestratorScenarios('process', async () => {
  const fx = await createCloudFixture();
  return { ...fx, kill: async (workerId: string) => void process.kill(await fx.agentPid(workerId), 'SIGKILL') };
});
