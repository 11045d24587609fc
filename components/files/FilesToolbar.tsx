'use client';
/**
 * The files panel's header actions: New file, New folder and Upload, as icon buttons with names
 * and tooltips. They act on the selected folder (a selected file's folder), else the root.
 */
import { useRef, type ReactNode } from 'react';

interface Props {
  fileTransfers: boolean;
  onNew(kind: 'file' | 'folder'): void;
  onUpload(files: File[]): void;
}

export function FilesToolbar({ fileTransfers, onNew, onUpload }: Props) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="files-toolbar" data-testid="files-toolbar">
      <IconButton testId="files-new-file" label="New file" hint="New file in the selected folder" onClick={() => onNew('file')}>
        <path d="M4 1.5h5l3 3V14.5H4z M9 1.5v3h3" fill="none" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" />
        <path d="M8 7.5v5M5.5 10h5" stroke="currentColor" strokeWidth="1.4" />
      </IconButton>
      <IconButton testId="files-new-folder" label="New folder" hint="New folder in the selected folder" onClick={() => onNew('folder')}>
        <path d="M1.5 3.5h4.5l1.5 1.5h7v8.5h-13z" fill="none" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" />
        <path d="M8 7v5M5.5 9.5h5" stroke="currentColor" strokeWidth="1.4" />
      </IconButton>
      {fileTransfers && (
        <>
          <IconButton testId="files-upload" label="Upload files" hint="Upload files into the selected folder (or drop them on the tree)" onClick={() => input.current?.click()}>
            <path d="M8 11V2.5M4.5 6L8 2.5 11.5 6" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
            <path d="M2.5 10.5v3h11v-3" fill="none" stroke="currentColor" strokeWidth="1.2" />
          </IconButton>
          <input
            ref={input}
            type="file"
            multiple
            hidden
            data-testid="files-upload-input"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              if (files.length > 0) onUpload(files);
            }}
          />
        </>
      )}
    </div>
  );
}

function IconButton({ testId, label, hint, onClick, children }: { testId: string; label: string; hint: string; onClick(): void; children: ReactNode }) {
  return (
    <button type="button" className="icon-btn" data-testid={testId} aria-label={label} title={hint} onClick={onClick}>
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden focusable="false">
        {children}
      </svg>
    </button>
  );
}
