'use client';
/**
 * SSH hosts workspaces can run on: add one (`user@host:port`, or a Host alias of this server's
 * ~/.ssh/config), test it — answering what the test asks for: accept an unknown host key, unlock
 * an encrypted key — and remove it. A changed host key is a warning, never a one-click accept.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState, type FormEvent } from 'react';
import { poolStateText, testOkText } from '@/lib/client/runtime-health';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import type { AppRouter } from '@/server/trpc/router';
import { RunnerSettings } from './RunnerSettings';

type Outputs = inferRouterOutputs<AppRouter>;
type HostView = Outputs['hosts']['list'][number];
type TestResult = Outputs['hosts']['test'];
type TestFailure = Extract<TestResult, { ok: false }>;

const ALIASES_ID = 'ssh-host-aliases';

/** `page`: the section is its page (/hosts): its title is the page's h1. */
export function SshHosts({ page = false }: { page?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Polled so each host's connection state stays current.
  const list = useQuery(trpc.hosts.list.queryOptions(undefined, { refetchInterval: 10_000 }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });

  return (
    <section className="ssh-hosts" aria-labelledby="ssh-hosts-heading" data-testid="ssh-hosts">
      {page ? <h1 id="ssh-hosts-heading">SSH hosts</h1> : <h2 id="ssh-hosts-heading">SSH hosts</h2>}
      <p className="muted">Workspaces can run on other machines: this server connects to them over SSH.</p>
      {list.isError && <p className="field-error">Could not load hosts: {errorMessage(list.error)}</p>}
      {list.data && list.data.length > 0 && (
        <ul className="workspace-list ssh-host-list">
          {list.data.map((h) => (
            <HostRow key={h.id} host={h} onChanged={refresh} />
          ))}
        </ul>
      )}
      <AddHostForm onAdded={refresh} page={page} />
    </section>
  );
}

function AddHostForm({ onAdded, page }: { onAdded(): Promise<void>; page: boolean }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  // The server's SSH config is the operator's: only admins may ask for its aliases.
  const aliases = useQuery({ ...trpc.hosts.aliases.queryOptions(), enabled: me.data?.role === 'admin' });
  const [spec, setSpec] = useState('');
  const [name, setName] = useState('');
  const [auth, setAuth] = useState<'key' | 'local'>('key');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | null>(null);
  const isAdmin = me.data ? me.data.role === 'admin' : true;
  const add = useMutation(
    trpc.hosts.add.mutationOptions({
      onSuccess: async () => {
        setSpec('');
        setName('');
        setPrivateKey('');
        setPassphrase('');
        await onAdded();
      },
      onError: (err) => setError(errorMessage(err)),
    }),
  );

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const s = spec.trim();
    if (!s) return setError('Give the host as user@host:port, or an alias from the SSH config.');
    if (auth === 'key' && !privateKey.trim()) return setError('Paste the private key this server should sign in with.');
    add.mutate({
      spec: s,
      auth,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(auth === 'key' ? { privateKey, ...(passphrase ? { passphrase } : {}) } : {}),
    });
  }

  return (
    <form className="ssh-add" onSubmit={submit} noValidate aria-labelledby="ssh-add-heading">
      {page ? <h2 id="ssh-add-heading">Add a host</h2> : <h3 id="ssh-add-heading">Add a host</h3>}
      <div className="field-row">
        <label className="field">
          <span>Host</span>
          <input
            className="input"
            data-testid="ssh-add-spec"
            placeholder="user@host:22 or a config alias"
            list={ALIASES_ID}
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            maxLength={300}
            value={spec}
            onChange={(e) => setSpec(e.target.value)}
          />
          <datalist id={ALIASES_ID}>
            {aliases.data?.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>Name (optional)</span>
          <input
            className="input"
            data-testid="ssh-add-name"
            placeholder="defaults to the host"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
      </div>
      <fieldset className="field radio-group">
        <legend>Sign in with</legend>
        <label>
          <input type="radio" name="ssh-auth" value="key" checked={auth === 'key'} onChange={() => setAuth('key')} /> Private key
        </label>
        <label>
          <input
            type="radio"
            name="ssh-auth"
            value="local"
            data-testid="ssh-add-auth-local"
            checked={auth === 'local'}
            disabled={!isAdmin}
            onChange={() => setAuth('local')}
          />{' '}
          This server&apos;s SSH agent and keys{!isAdmin && <span className="muted"> (admins only)</span>}
        </label>
      </fieldset>
      {auth === 'key' && (
        <>
          <label className="field">
            <span>Private key</span>
            <textarea
              className="input textarea"
              data-testid="ssh-add-key"
              rows={5}
              placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
              autoCapitalize="none"
              autoCorrect="off"
              autoComplete="off"
              spellCheck={false}
              maxLength={16 * 1024}
              value={privateKey}
              onChange={(e) => setPrivateKey(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Passphrase (if the key has one)</span>
            <input
              className="input"
              type="password"
              data-testid="ssh-add-passphrase"
              autoComplete="new-password"
              maxLength={1024}
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </label>
        </>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="ssh-add-error">
          {error}
        </p>
      )}
      <div>
        <button className="btn btn-primary" type="submit" data-testid="ssh-add-submit" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add host'}
        </button>
      </div>
    </form>
  );
}

function HealthState({ health }: { health: HostView['health'] }) {
  const state = health?.state ?? 'idle';
  const text = health ? poolStateText(health, Date.now()) : 'not connected';
  return (
    <span className="runtime ssh-host-state" data-state={state} title={health?.lastError?.message ?? text}>
      <span className="runtime-dot" aria-hidden="true" />
      <span>{text}</span>
    </span>
  );
}

function HostRow({ host, onChanged }: { host: HostView; onChanged(): Promise<void> }) {
  const trpc = useTRPC();
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onError = (err: unknown) => setError(errorMessage(err));
  const test = useMutation(
    trpc.hosts.test.mutationOptions({
      onSuccess: async (r) => {
        setResult(r);
        await onChanged();
      },
      onError,
    }),
  );
  const runTest = () => {
    setError(null);
    setResult(null);
    test.mutate({ id: host.id });
  };
  const trust = useMutation(trpc.hosts.trustKey.mutationOptions({ onSuccess: runTest, onError }));
  const forget = useMutation(trpc.hosts.forgetKeys.mutationOptions({ onSuccess: runTest, onError }));
  const unlock = useMutation(trpc.hosts.unlock.mutationOptions({ onSuccess: runTest, onError }));
  const remove = useMutation(trpc.hosts.remove.mutationOptions({ onSuccess: onChanged, onError }));
  const busy = test.isPending || trust.isPending || forget.isPending || unlock.isPending;

  return (
    <li className="ssh-host" data-testid="ssh-host-row" data-host-name={host.name}>
      <div className="ssh-host-head">
        <div className="ssh-host-id">
          <span className="ssh-host-name">{host.name}</span>
          <span className="root">
            {host.address}
            {host.jumps.length > 0 && ` via ${host.jumps.join(' → ')}`}
            {host.auth === 'local' ? ' · server keys' : ' · private key'}
          </span>
        </div>
        <HealthState health={host.health} />
        <div className="ssh-host-actions">
          <button className="btn" data-testid="ssh-test" onClick={runTest} disabled={busy}>
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
          <button
            className="btn btn-danger"
            data-testid="ssh-remove"
            aria-label={`Remove ${host.name}`}
            onClick={() => {
              setError(null);
              remove.mutate({ id: host.id });
            }}
            disabled={remove.isPending}
          >
            Remove
          </button>
        </div>
      </div>
      <RunnerSettings hostId={host.id} runner={host.runner} onChanged={onChanged} />
      {result && (
        <TestResultView
          result={result}
          busy={busy}
          onTrust={(f) => f.fingerprint && trust.mutate({ id: host.id, endpoint: f.endpoint, fingerprint: f.fingerprint })}
          onForget={() => {
            if (window.confirm(`Forget every accepted host key of ${host.name}? The next test will show the key it presents now, for you to check again.`)) {
              forget.mutate({ id: host.id });
            }
          }}
          onUnlock={(identityFile, passphrase) => unlock.mutate({ id: host.id, identityFile, passphrase })}
        />
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="ssh-host-error">
          {error}
        </p>
      )}
    </li>
  );
}

interface ResultProps {
  result: TestResult;
  busy: boolean;
  onTrust(f: TestFailure): void;
  onForget(): void;
  onUnlock(identityFile: string, passphrase: string): void;
}

function TestResultView({ result, busy, onTrust, onForget, onUnlock }: ResultProps) {
  if (result.ok) {
    return (
      <p className="ssh-result" data-testid="ssh-test-result" data-kind="ok" role="status">
        {testOkText(result)}
      </p>
    );
  }
  switch (result.kind) {
    case 'host_key_unknown':
      return (
        <div className="ssh-result" data-testid="ssh-test-result" data-kind={result.kind} role="status">
          <p>{result.message}</p>
          {result.fingerprint && (
            <>
              <p>
                {result.keyType ? `${result.keyType} key` : 'Key'} fingerprint:{' '}
                <code data-testid="ssh-fingerprint">{result.fingerprint}</code>
              </p>
              <p className="muted">
                Trust it only if it matches the host&apos;s own key (on the host: <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>).
              </p>
              <div>
                <button className="btn btn-primary" data-testid="ssh-trust-key" onClick={() => onTrust(result)} disabled={busy}>
                  Trust this key
                </button>
              </div>
            </>
          )}
        </div>
      );
    case 'host_key_changed':
      return (
        <div className="ssh-result ssh-result-danger" data-testid="ssh-test-result" data-kind={result.kind} role="alert">
          <p className="ssh-warning-title">WARNING: the host key has changed</p>
          <p>{result.message}</p>
          {result.fingerprint && (
            <p>
              Key presented now: <code data-testid="ssh-fingerprint">{result.fingerprint}</code>
            </p>
          )}
          {result.knownFingerprints && result.knownFingerprints.length > 0 && (
            <div>
              Accepted before:
              <ul className="ssh-fingerprints">
                {result.knownFingerprints.map((f) => (
                  <li key={f}>
                    <code>{f}</code>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <p>
            Someone may be intercepting the connection. Forget the accepted keys only if you know why the key changed (the host was
            reinstalled, for example).
          </p>
          <div>
            <button className="btn btn-danger" data-testid="ssh-forget-keys" onClick={onForget} disabled={busy}>
              Forget accepted keys…
            </button>
          </div>
        </div>
      );
    case 'passphrase_required':
      return <UnlockForm result={result} busy={busy} onUnlock={onUnlock} />;
    default:
      return (
        <p className="ssh-result ssh-result-error" data-testid="ssh-test-result" data-kind={result.kind} role="alert">
          {result.message}
        </p>
      );
  }
}

function UnlockForm({ result, busy, onUnlock }: { result: TestFailure; busy: boolean; onUnlock(identityFile: string, passphrase: string): void }) {
  const [passphrase, setPassphrase] = useState('');
  const file = result.identityFile;
  return (
    <form
      className="ssh-result"
      data-testid="ssh-test-result"
      data-kind={result.kind}
      onSubmit={(e) => {
        e.preventDefault();
        if (file) onUnlock(file, passphrase);
      }}
    >
      <p>{result.message}</p>
      {file && (
        <div className="field-row">
          <label className="field">
            <span>
              Passphrase for <code>{file}</code>
            </span>
            <input
              className="input"
              type="password"
              data-testid="ssh-unlock-passphrase"
              autoComplete="off"
              maxLength={1024}
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </label>
          <button className="btn btn-primary" type="submit" data-testid="ssh-unlock" disabled={busy}>
            Unlock
          </button>
        </div>
      )}
    </form>
  );
}
