/** tRPC instance, context and the procedure builders every router uses. */
import { TRPCError, initTRPC } from '@trpc/server';
import type { AuthUser } from '../auth/users';
import type { TokenService } from '../auth/tokens';
import type { SessionRegistry } from '../gateway/session-registry';
import type { Logger } from '../log';
import type { RuntimeRegistry } from '../runtimes/runtime-registry';
import type { SshHostService } from '../runtimes/ssh/host-service';
import type { SshPool } from '../runtimes/ssh/pool';
import type { Orchestrator } from '../cloud/orchestrator';
import type { MigrationService } from '../migration/migration-service';
import type { UserService } from '../auth/users';
import type { FileService } from '../workspaces/file-service';
import type { WorkspaceService } from '../workspaces/workspace-service';

export interface TrpcServices {
  workspaces: WorkspaceService;
  sessions: SessionRegistry;
  tokens: TokenService;
  runtimes: RuntimeRegistry;
  files: FileService;
  hosts: SshHostService;
  sshPool: SshPool;
  orchestrator: Orchestrator;
  migrations: MigrationService;
  /** The cloud provider's name and sandbox, for the admin view. */
  cloudInfo(): Promise<{ provider: string; sandbox: string }>;
  users: UserService;
  log: Logger;
}

export interface TrpcContext extends TrpcServices {
  user: AuthUser | null;
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    // Internal errors never show their stack or message to the client.
    if (error.code === 'INTERNAL_SERVER_ERROR') return { ...shape, message: 'Internal error', data: { ...shape.data, stack: undefined } };
    return { ...shape, data: { ...shape.data, stack: undefined } };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;

export type AuthedContext = TrpcContext & { user: AuthUser };

export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
