'use client';
/** Form fields shared by "create a workspace" and "move a workspace": where on an SSH host, what size of cloud worker. */
import type { WorkerSize } from '@/lib/client/migration-text';

export type { WorkerSize };

const SIZES: ReadonlyArray<readonly [WorkerSize, string]> = [
  ['small', 'Small'],
  ['medium', 'Medium'],
  ['large', 'Large'],
];

export function HostFolderField(props: { testId: string; placeholder: string; value: string; onChange(value: string): void }) {
  return (
    <label className="field">
      <span>Folder on the host</span>
      <input
        className="input"
        data-testid={props.testId}
        placeholder={props.placeholder}
        autoCapitalize="none"
        autoCorrect="off"
        spellCheck={false}
        maxLength={4096}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

export function WorkerSizeField(props: { testId: string; value: WorkerSize; onChange(value: WorkerSize): void }) {
  return (
    <label className="field field-narrow">
      <span>Size</span>
      <select className="input" data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value as WorkerSize)}>
        {SIZES.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
