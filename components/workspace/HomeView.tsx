'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { signOut } from '@/lib/client/auth-client';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { SharesList } from '@/components/share/SharesList';
import { ApiTokens } from './ApiTokens';
import { CloudPool } from './CloudPool';
import { CreateWorkspaceForm } from './CreateWorkspaceForm';
import { RemoveWorkspaceButton } from './RemoveWorkspaceButton';
import { SshHosts } from './SshHosts';

export function HomeView() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const list = useQuery(trpc.workspaces.list.queryOptions());
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const hostName = (id: string | null) => (id === null ? null : (hosts.data?.find((h) => h.id === id)?.name ?? 'SSH host'));
  const [signingOut, setSigningOut] = useState(false);
  const router = useRouter();

  // Phones land on the agents view (what people check from a phone); its "Workspaces" link
  // comes back here with ?home=1.
  useEffect(() => {
    if (window.matchMedia('(max-width: 700px)').matches && !new URLSearchParams(window.location.search).has('home')) {
      router.replace('/agents');
    }
  }, [router]);

  async function onSignOut() {
    setSigningOut(true);
    try {
      await signOut();
    } finally {
      window.location.assign('/login');
    }
  }

  return (
    <>
      <header className="topbar">
        <h1 className="brand">Tether</h1>
        <Link href="/agents" className="btn" data-testid="agents-link">
          Agents
        </Link>
        {me.data?.role === 'admin' && <Link href="/admin" className="btn" data-testid="admin-link">Admin</Link>}
        <span className="spacer" />
        {me.data && (
          <span className="muted" data-testid="user-name">
            {me.data.name}
          </span>
        )}
        <button className="btn" data-testid="sign-out" onClick={onSignOut} disabled={signingOut}>
          Sign out
        </button>
      </header>
      <main className="home">
        <h2>Workspaces</h2>
        <CreateWorkspaceForm />
        {list.isPending && <p className="muted">Loading workspaces…</p>}
        {list.isError && <p className="field-error">Could not load workspaces: {errorMessage(list.error)}</p>}
        {list.data && list.data.length === 0 && (
          <p className="empty">No workspaces yet. Create one above to get a terminal.</p>
        )}
        {list.data && list.data.length > 0 && (
          <ul className="workspace-list">
            {list.data.map((ws) => (
              <li key={ws.id} className="workspace-row">
                <Link href={`/w/${encodeURIComponent(ws.id)}`} data-testid="workspace-link" data-workspace-id={ws.id}>
                  <span>{ws.name}</span>
                  <span className="root">
                    {ws.kind === 'cloud' ? (
                      <>
                        <span className="kind-tag" data-testid="workspace-kind">
                          cloud
                        </span>
                        {ws.workerId ?? 'no worker'}
                      </>
                    ) : (
                      <>
                        {ws.kind === 'ssh' && `${hostName(ws.hostId)}:`}
                        {ws.root}
                      </>
                    )}
                  </span>
                </Link>
                <RemoveWorkspaceButton id={ws.id} name={ws.name} kind={ws.kind} />
              </li>
            ))}
          </ul>
        )}
        <section className="shares-section" aria-labelledby="shares-heading" data-testid="home-shares">
          <h2 id="shares-heading">Share links</h2>
          <SharesList />
        </section>
        <SshHosts />
        {me.data?.role === 'admin' && <CloudPool />}
        <ApiTokens />
      </main>
    </>
  );
}
