'use client';
/**
 * The top navigation of every page outside a workspace: Workspaces, Agents, Hosts, Shares, Tokens,
 * Settings, and for admins Cloud and Admin; the user's name and Sign out. The current page's link
 * carries `aria-current="page"`. On narrow screens (≤ 860 px) the links fold behind a "Menu"
 * button (a disclosure: Escape or choosing a link closes it, Escape gives the focus back to the
 * button), so a phone never scrolls sideways. `children`: the page's own controls (a connection
 * indicator, "Enable notifications"), shown at the end of the bar.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { signOut } from '@/lib/client/auth-client';
import { markVisited } from '@/lib/client/phone-landing';
import { useTRPC } from '@/lib/client/trpc';
import './app-nav.css';

interface NavItem {
  href: string;
  label: string;
  testId: string;
  admin?: boolean;
}

/** In order. `agents-link` and `admin-link` are the test ids the older specs know. */
const ITEMS: readonly NavItem[] = [
  { href: '/', label: 'Workspaces', testId: 'nav-workspaces' },
  { href: '/agents', label: 'Agents', testId: 'agents-link' },
  { href: '/hosts', label: 'Hosts', testId: 'nav-hosts' },
  { href: '/shares', label: 'Shares', testId: 'nav-shares' },
  { href: '/tokens', label: 'Tokens', testId: 'nav-tokens' },
  { href: '/settings', label: 'Settings', testId: 'nav-settings' },
  { href: '/cloud', label: 'Cloud', testId: 'nav-cloud', admin: true },
  { href: '/admin', label: 'Admin', testId: 'admin-link', admin: true },
];

export function AppHeader({ children, className = '' }: { children?: ReactNode; className?: string }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const navRef = useRef<HTMLElement>(null);
  const panelId = useId();

  // Any page but the home page counts as this tab's landing (see phone-landing.ts).
  useEffect(() => {
    if (pathname !== '/') markVisited();
  }, [pathname]);

  // A new page closes the menu.
  useEffect(() => setOpen(false), [pathname]);

  // Open: Escape closes it (focus back on the button), as does a tap or click outside it.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      toggleRef.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!navRef.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  async function onSignOut() {
    setSigningOut(true);
    try {
      await signOut();
    } finally {
      window.location.assign('/login');
    }
  }

  const isAdmin = me.data?.role === 'admin';
  const items = ITEMS.filter((i) => !i.admin || isAdmin);

  return (
    <header className={`topbar app-header ${className}`.trim()} data-testid="app-header">
      <Link href="/" className="brand">
        Tether
      </Link>
      <nav ref={navRef} className="app-nav" aria-label="Main" data-open={open ? 'true' : undefined}>
        <button
          ref={toggleRef}
          type="button"
          className="btn app-nav-toggle"
          data-testid="nav-menu"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen((o) => !o)}
        >
          Menu
        </button>
        <div className="app-nav-panel" id={panelId}>
          <ul className="app-nav-links">
            {items.map((item) => {
              const current = item.href === pathname;
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    className="app-nav-link"
                    data-testid={item.testId}
                    aria-current={current ? 'page' : undefined}
                    onClick={() => setOpen(false)}
                  >
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
          <div className="app-nav-user">
            {me.data && (
              <Link
                href="/account"
                className="muted app-nav-name"
                data-testid="user-name"
                title="Your account: password"
                aria-current={pathname === '/account' ? 'page' : undefined}
                onClick={() => setOpen(false)}
              >
                {me.data.name}
              </Link>
            )}
            <button className="btn" data-testid="sign-out" onClick={onSignOut} disabled={signingOut}>
              Sign out
            </button>
          </div>
        </div>
      </nav>
      {children}
    </header>
  );
}
