import type { Metadata } from 'next';
import { LoginForm } from '@/components/auth/LoginForm';

export const metadata: Metadata = { title: 'Sign in · Tether' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const param = (v: string | string[] | undefined) => (typeof v === 'string' ? v : null);

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = param(params.callbackUrl) ?? '/';
  // Refused sign-ins come back here with ?error=… (next-auth's codes, or the gateway's single
  // sign-on refusals with the provider and email they concern).
  const refusal = { error: param(params.error), provider: param(params.provider), email: param(params.email) };
  return (
    <main className="login-page">
      <LoginForm callbackUrl={callbackUrl} refusal={refusal} />
    </main>
  );
}
