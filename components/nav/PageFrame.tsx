'use client';
/** A page outside a workspace: the top navigation, then the page's one `<main>`. */
import type { ReactNode } from 'react';
import { AppHeader } from './AppHeader';

export function PageFrame({ children, className = '', testId }: { children: ReactNode; className?: string; testId?: string }) {
  return (
    <>
      <AppHeader />
      <main className={`page ${className}`.trim()} data-testid={testId}>
        {children}
      </main>
    </>
  );
}
