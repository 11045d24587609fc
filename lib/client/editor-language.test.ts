import { describe, expect, it } from 'vitest';
import { languageFor } from './editor-language';

describe('languageFor', () => {
  it('picks a language by file name, including extension-less names', () => {
    expect(languageFor('src/app.ts')?.name).toBe('TypeScript');
    expect(languageFor('main.py')?.name).toBe('Python');
    expect(languageFor('README.md')?.name).toBe('Markdown');
    expect(languageFor('build/Dockerfile')?.name).toBe('Dockerfile');
  });
  it('has none for unknown names', () => {
    expect(languageFor('notes.unknownext')).toBeNull();
  });
});
