import type { Metadata } from 'next';
import { LoginForm } from '@/components/auth/LoginForm';

export const metadata: Metadata = { title: 'Sign in · Tether' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = typeof params.callbackUrl === 'string' ? params.callbackUrl : '/';
  // next-auth sends failed sign-ins back here with ?error=… when it redirects instead of answering JSON.
  const error = typeof params.error === 'string' ? params.error : null;
  return (
    <main className="login-page">
      <LoginForm callbackUrl={callbackUrl} initialError={error} />
    </main>
  );
}
