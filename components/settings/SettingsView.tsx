'use client';
/**
 * /settings: the signed-in user's preferences (lib/shared/settings.ts) as labelled form controls.
 * Each change is saved on the gateway as it is made and applies at once — to this tab and to
 * terminals and editors open in other tabs (SettingsProvider). A number is saved only once it is
 * in range; until then the field says what it takes.
 */
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/client/trpc';
import {
  CURSOR_STYLES,
  DEFAULT_SETTINGS,
  FONT_SIZE_MAX_PX,
  FONT_SIZE_MIN_PX,
  SCROLLBACK_MAX_LINES,
  SCROLLBACK_MIN_LINES,
  THEMES,
  type Settings,
  type SettingsPatch,
} from '@/lib/shared/settings';
import { KeybindingTable } from './KeybindingTable';
import { useSettings } from './SettingsProvider';

const THEME_LABELS: Record<Settings['theme'], string> = { system: 'Follow the system', dark: 'Dark', light: 'Light' };
const CURSOR_LABELS: Record<Settings['terminalCursorStyle'], string> = { block: 'Block', bar: 'Bar', underline: 'Underline' };

/** Only a path inside the app (a workspace) is a place to go back to. */
function backTarget(from: string | null): string {
  return from && /^\/w\/[A-Za-z0-9_-]+$/.test(from) ? from : '/';
}

export function SettingsView() {
  const { settings, loaded, update } = useSettings();
  const back = backTarget(useSearchParams().get('from'));
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    document.title = 'Settings · Tether';
  }, []);

  const save = (patch: SettingsPatch) => {
    setError(null);
    setStatus('Saving…');
    update(patch).then(
      () => setStatus('Saved.'),
      (err: unknown) => {
        setStatus('');
        setError(errorMessage(err));
      },
    );
  };

  return (
    <>
      <header className="topbar">
        <Link href={back} className="btn" data-testid="settings-back">
          ← {back === '/' ? 'Workspaces' : 'Back to the workspace'}
        </Link>
        <h1 className="brand settings-title">Settings</h1>
        <span className="spacer" />
        <span className="muted settings-status" role="status" data-testid="settings-status">
          {status}
        </span>
      </header>
      <main className="home settings">
        {error && (
          <p className="field-error" role="alert" data-testid="settings-error">
            {error}
          </p>
        )}
        <form className="settings-form" onSubmit={(e) => e.preventDefault()} aria-busy={!loaded}>
          <fieldset className="settings-group" disabled={!loaded}>
            <legend>Appearance</legend>
            <fieldset className="field radio-group">
              <legend>Theme</legend>
              {THEMES.map((t) => (
                <label key={t}>
                  <input type="radio" name="theme" value={t} checked={settings.theme === t} onChange={() => save({ theme: t })} data-testid={`theme-${t}`} />
                  {THEME_LABELS[t]}
                </label>
              ))}
            </fieldset>
            <NumberSetting
              label="Editor font size (px)"
              testId="editor-font-size"
              value={settings.editorFontSize}
              min={FONT_SIZE_MIN_PX}
              max={FONT_SIZE_MAX_PX}
              onSave={(v) => save({ editorFontSize: v })}
            />
          </fieldset>
          <fieldset className="settings-group" disabled={!loaded}>
            <legend>Terminal</legend>
            <FontFamilySetting value={settings.terminalFontFamily} onSave={(v) => save({ terminalFontFamily: v })} />
            <NumberSetting
              label="Terminal font size (px)"
              testId="terminal-font-size"
              value={settings.terminalFontSize}
              min={FONT_SIZE_MIN_PX}
              max={FONT_SIZE_MAX_PX}
              onSave={(v) => save({ terminalFontSize: v })}
            />
            <label className="field">
              <span>Cursor style</span>
              <select
                className="input"
                data-testid="terminal-cursor-style"
                value={settings.terminalCursorStyle}
                onChange={(e) => save({ terminalCursorStyle: e.target.value as Settings['terminalCursorStyle'] })}
              >
                {CURSOR_STYLES.map((c) => (
                  <option key={c} value={c}>
                    {CURSOR_LABELS[c]}
                  </option>
                ))}
              </select>
            </label>
            <label className="settings-check">
              <input
                type="checkbox"
                data-testid="terminal-cursor-blink"
                checked={settings.terminalCursorBlink}
                onChange={(e) => save({ terminalCursorBlink: e.target.checked })}
              />
              Blinking cursor
            </label>
            <NumberSetting
              label="Scrollback (lines)"
              testId="terminal-scrollback"
              value={settings.terminalScrollback}
              min={SCROLLBACK_MIN_LINES}
              max={SCROLLBACK_MAX_LINES}
              step={1000}
              onSave={(v) => save({ terminalScrollback: v })}
            />
          </fieldset>
          <div className="modal-actions">
            <button type="button" className="btn" data-testid="settings-reset" disabled={!loaded} onClick={() => save(DEFAULT_SETTINGS)}>
              Reset all to defaults
            </button>
          </div>
        </form>
        <section className="settings-keys" aria-labelledby="settings-keys-title">
          <h2 id="settings-keys-title">Keyboard shortcuts</h2>
          <KeybindingTable />
        </section>
      </main>
    </>
  );
}

/** A whole number in [min, max]: saved as soon as what is typed is one, explained while it is not. */
function NumberSetting(props: { label: string; testId: string; value: number; min: number; max: number; step?: number; onSave(v: number): void }) {
  const { label, testId, value, min, max, step = 1, onSave } = props;
  const [draft, setDraft] = useState(String(value));
  const [focused, setFocused] = useState(false);
  const hintId = useId();
  // Follow the stored value (another tab, a reset) unless the person is typing here.
  useEffect(() => {
    if (!focused) setDraft(String(value));
  }, [value, focused]);
  const n = Number(draft);
  const valid = draft.trim() !== '' && Number.isInteger(n) && n >= min && n <= max;
  return (
    <label className="field settings-number">
      <span>{label}</span>
      <input
        className="input"
        type="number"
        inputMode="numeric"
        data-testid={testId}
        min={min}
        max={max}
        step={step}
        value={draft}
        aria-invalid={!valid}
        aria-describedby={hintId}
        onFocus={() => setFocused(true)}
        onBlur={() => {
          setFocused(false);
          if (!valid) setDraft(String(value));
        }}
        onChange={(e) => {
          setDraft(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isInteger(v) && v >= min && v <= max && v !== value) onSave(v);
        }}
      />
      <small id={hintId} className={valid ? 'muted' : 'field-error'}>
        {valid ? `${min.toLocaleString('en')}–${max.toLocaleString('en')}` : `A whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}`}
      </small>
    </label>
  );
}

/** A CSS font list: saved on Enter or when the field is left. */
function FontFamilySetting({ value, onSave }: { value: string; onSave(v: string): void }) {
  const [draft, setDraft] = useState(value);
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setDraft(value);
  }, [value, focused]);
  const commit = (e?: FormEvent) => {
    e?.preventDefault();
    const v = draft.trim();
    if (v !== '' && v !== value) onSave(v);
    else if (v === '') setDraft(value);
  };
  return (
    <label className="field">
      <span>Terminal font (CSS font list, first installed one wins)</span>
      <input
        className="input"
        data-testid="terminal-font-family"
        value={draft}
        spellCheck={false}
        onFocus={() => setFocused(true)}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          setFocused(false);
          commit();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(e);
        }}
      />
    </label>
  );
}
