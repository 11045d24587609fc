import { authedProcedure, router } from './init';
import { adminRouter } from './routers/admin';
import { agentsRouter } from './routers/agents';
import { auditRouter } from './routers/audit';
import { cloudRouter } from './routers/cloud';
import { fsRouter } from './routers/fs';
import { hostsRouter } from './routers/hosts';
import { membersRouter } from './routers/members';
import { migrationRouter } from './routers/migration';
import { mirrorsRouter } from './routers/mirrors';
import { runtimesRouter } from './routers/runtimes';
import { settingsRouter } from './routers/settings';
import { sharesRouter } from './routers/shares';
import { terminalsRouter } from './routers/terminals';
import { tokensRouter } from './routers/tokens';
import { accountRouter, usersRouter } from './routers/users';
import { workspacesRouter } from './routers/workspaces';

export const appRouter = router({
  me: authedProcedure.query(({ ctx }) => ({ id: ctx.user.id, name: ctx.user.name, role: ctx.user.role })),
  workspaces: workspacesRouter,
  terminals: terminalsRouter,
  tokens: tokensRouter,
  fs: fsRouter,
  hosts: hostsRouter,
  runtimes: runtimesRouter,
  cloud: cloudRouter,
  migration: migrationRouter,
  shares: sharesRouter,
  members: membersRouter,
  agents: agentsRouter,
  admin: adminRouter,
  users: usersRouter,
  account: accountRouter,
  audit: auditRouter,
  settings: settingsRouter,
  mirrors: mirrorsRouter,
});

export type AppRouter = typeof appRouter;
