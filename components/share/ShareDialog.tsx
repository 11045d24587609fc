'use client';
/**
 * "Share" for one terminal (`sessionId`) or a whole workspace: choose what guests may do and for
 * how long, create the link and copy it — its URL is shown this once — and see (and revoke) the
 * workspace's other links below. For a whole workspace, its members (accounts that open it with
 * their own sign-in) are managed here too.
 */
import { ModalDialog } from '@/components/workspace/ModalDialog';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { EXPIRY_OPTIONS, grantText, type ShareExpiry, type ShareScope } from './share-text';
import { MembersSection } from './MembersSection';
import { SharesList } from './SharesList';

interface Props {
  workspaceId: string;
  /** Share this terminal only; omitted shares the whole workspace. */
  sessionId?: string;
  sessionTitle?: string;
  workspaceName?: string;
  onClose(): void;
  notify?: (msg: string, kind?: 'error' | 'info') => void;
}

interface Created {
  url: string;
  scope: ShareScope;
  expiresAt: number | null;
}

const LABEL_MAX = 80;

export function ShareDialog({ workspaceId, sessionId, sessionTitle, workspaceName, onClose, notify }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const terminal = sessionId !== undefined;
  const [scope, setScope] = useState<ShareScope>('view');
  const [expiry, setExpiry] = useState<ShareExpiry>('24h');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<Created | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const linkRef = useRef<HTMLInputElement>(null);
  const scopeName = useId();

  const create = useMutation(
    trpc.shares.create.mutationOptions({
      onSuccess: (res) => {
        setCreated({ url: window.location.origin + res.path, scope: res.scope, expiresAt: res.expiresAt });
        setCopied(false);
        void queryClient.invalidateQueries({ queryKey: trpc.shares.list.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.shares.audit.pathKey() });
      },
      onError: (err) => setError(errorMessage(err)),
    }),
  );

  const close = useCallback(() => onClose(), [onClose]);

  // The dialog focuses its first choice on open; the new link, selected, once it is there (this
  // effect runs after the dialog's own).
  const phase = created ? 'created' : 'form';
  useEffect(() => {
    if (phase !== 'created') return;
    linkRef.current?.focus();
    linkRef.current?.select();
  }, [phase]);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    create.mutate({
      workspaceId,
      ...(sessionId !== undefined ? { sessionId } : {}),
      scope,
      expiresIn: expiry,
      label: label.trim(),
    });
  }

  async function copy() {
    if (!created) return;
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(created.url);
      setCopied(true);
      notify?.('Link copied', 'info');
    } catch {
      // No clipboard access (e.g. plain http): select the text for Ctrl-C.
      linkRef.current?.focus();
      linkRef.current?.select();
      setCopied(false);
      notify?.('Press Ctrl-C (⌘-C) to copy the selected link', 'info');
    }
  }

  function another() {
    setCreated(null);
    setCopied(false);
    setLabel('');
    setError(null);
    create.reset();
  }

  const what = terminal ? `terminal “${sessionTitle || 'Terminal'}”` : `workspace${workspaceName ? ` “${workspaceName}”` : ''}`;

  return (
    <ModalDialog className="share-dialog" title={`Share ${what}`} onClose={close} focusKey={phase} data-testid="share-dialog" data-kind={terminal ? 'terminal' : 'workspace'}>
      {created ? (
        <div className="share-created" role="status" data-testid="share-created">
          <div className="field">
            <span>Share link</span>
            <div className="share-link-row">
              <input
                ref={linkRef}
                className="input share-link"
                data-testid="share-link"
                readOnly
                value={created.url}
                onFocus={(e) => e.currentTarget.select()}
                aria-label="Share link"
              />
              <button type="button" className="btn btn-primary" data-testid="share-copy" onClick={() => void copy()}>
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          </div>
          <p className="share-note" data-testid="share-note">
            <strong>This link is shown once.</strong> {grantText(created.scope, terminal, created.expiresAt)}
          </p>
          <div className="modal-actions">
            <button type="button" className="btn" data-testid="share-another" onClick={another}>
              Create another link
            </button>
          </div>
        </div>
      ) : (
        <form className="share-form" onSubmit={submit} noValidate>
          <fieldset className="field radio-group">
            <legend>Guests can</legend>
            <label>
              <input
                type="radio"
                name={scopeName}
                value="view"
                data-testid="share-scope-view"
                data-autofocus
                checked={scope === 'view'}
                onChange={() => setScope('view')}
              />
              View only — can watch
            </label>
            <label>
              <input
                type="radio"
                name={scopeName}
                value="drive"
                data-testid="share-scope-drive"
                checked={scope === 'drive'}
                onChange={() => setScope('drive')}
              />
              {terminal ? 'Can type' : 'Can type and edit files'}
            </label>
          </fieldset>
          <div className="field-row">
            <label className="field field-narrow">
              <span>Expires after</span>
              <select className="input" data-testid="share-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value as ShareExpiry)}>
                {EXPIRY_OPTIONS.map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Label (optional)</span>
              <input
                className="input"
                data-testid="share-label"
                maxLength={LABEL_MAX}
                placeholder="e.g. pairing with Sam"
                value={label}
                onChange={(e) => setLabel(e.target.value)}
              />
            </label>
          </div>
          {scope === 'drive' && (
            <p className="share-warning" data-testid="share-drive-warning">
              {terminal
                ? 'Guests will be able to run commands in this terminal as you.'
                : 'Guests will be able to run commands and change files in this workspace as you.'}
            </p>
          )}
          {error && (
            <p className="field-error" role="alert" data-testid="share-error">
              {error}
            </p>
          )}
          <div className="modal-actions">
            <button type="submit" className="btn btn-primary" data-testid="share-create" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create link'}
            </button>
          </div>
        </form>
      )}
      {!terminal && <MembersSection workspaceId={workspaceId} notify={notify} />}
      <section className="share-dialog-list" aria-label="Links for this workspace">
        <h3>Links for this workspace</h3>
        <SharesList workspaceId={workspaceId} />
      </section>
      <div className="modal-actions">
        <span className="spacer" />
        <button type="button" className="btn" data-testid="share-close" onClick={close}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
