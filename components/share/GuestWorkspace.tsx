'use client';
/**
 * A workspace share, as its guest sees it: the same body as the owner's (tree, search, editor,
 * one pane at a time on phones) with the guest's terminals — everything read-only for a `view`
 * link, and no upload or download (those endpoints are for signed-in users).
 */
import { WorkspaceBody } from '@/components/workspace/WorkspaceBody';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { GuestTerminals, type Notify } from './GuestTerminals';

interface Props {
  socket: GatewaySocket;
  workspaceId: string;
  scope: 'view' | 'drive';
  notify: Notify;
}

export function GuestWorkspace({ socket, workspaceId, scope, notify }: Props) {
  return (
    <WorkspaceBody
      workspaceId={workspaceId}
      notify={notify}
      readOnly={scope === 'view'}
      fileTransfers={false}
      terminals={<GuestTerminals socket={socket} kind="workspace" scope={scope} workspaceId={workspaceId} sessionId={null} notify={notify} />}
    />
  );
}
