/** Which CodeMirror language a file gets, by its name (loaded lazily by language-data). */
import { LanguageDescription } from '@codemirror/language';
import { languages } from '@codemirror/language-data';
import { baseName } from './file-paths';

export function languageFor(path: string): LanguageDescription | null {
  return LanguageDescription.matchFilename(languages, baseName(path));
}
