/** The orchestrator over containers on the real Docker engine (DockerProvider): the same scenarios as the process provider's. */
import { createDockerFixture } from './testing/docker-fixture';
import { orchestratorScenarios } from './testing/orchestrator-scenarios';

orchestratorScenarios('docker', createDockerFixture);
