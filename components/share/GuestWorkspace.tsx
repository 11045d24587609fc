'use client';
/**
 * A workspace share, as its guest sees it: the same body as the owner's (tree, search, editor,
 * one pane at a time on phones) with the guest's terminals — everything read-only for a `view`
 * link, and no upload or download (those endpoints are for signed-in users).
 */
import { useState } from 'react';
import { CommandsProvider } from '@/components/commands/CommandsProvider';
import { WorkspaceBody } from '@/components/workspace/WorkspaceBody';
import { CommandRegistry } from '@/lib/client/commands';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { GuestTerminals, type Notify } from './GuestTerminals';

interface Props {
  socket: GatewaySocket;
  workspaceId: string;
  scope: 'view' | 'drive';
  notify: Notify;
}

export function GuestWorkspace({ socket, workspaceId, scope, notify }: Props) {
  // The same keyboard as the owner's, with the commands that make sense here (no new terminals).
  const [commands] = useState(() => new CommandRegistry());
  return (
    <CommandsProvider registry={commands}>
      <WorkspaceBody
        workspaceId={workspaceId}
        notify={notify}
        readOnly={scope === 'view'}
        fileTransfers={false}
        terminals={<GuestTerminals socket={socket} kind="workspace" scope={scope} workspaceId={workspaceId} sessionId={null} notify={notify} />}
      />
    </CommandsProvider>
  );
}
