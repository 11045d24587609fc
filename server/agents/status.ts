/**
 * What a terminal's program is doing, for people checking in from a phone:
 * - `working`: it printed something in the last WORKING_MS;
 * - `waiting`: it went quiet asking for someone — it rang the bell or sent a notification (OSC 9 /
 *   OSC 777) with or after its last output, or its last line reads like a question or an input
 *   prompt ("Continue? (y/n)", "❯ ", "Password:");
 * - `idle`: quiet otherwise (a shell at its prompt, a finished build);
 * - `exited`: the process ended.
 */
export type AgentStatus = 'working' | 'waiting' | 'idle' | 'exited';

export const WORKING_MS = 3000;
/** Attention within this much before the last output still counts as "with" it. */
const ATTENTION_SLACK_MS = 250;

export interface StatusInput {
  now: number;
  exited: boolean;
  lastOutputAt: number;
  /** When the program last rang the bell or sent a notification. */
  attentionAt: number | null;
  /** The last non-empty line of the screen (plain text). */
  lastLine: string;
}

export function deriveStatus(s: StatusInput): AgentStatus {
  if (s.exited) return 'exited';
  if (s.now - s.lastOutputAt < WORKING_MS) return 'working';
  if (s.attentionAt !== null && isCurrentAttention(s.attentionAt, s.lastOutputAt)) return 'waiting';
  return looksLikePrompt(s.lastLine) ? 'waiting' : 'idle';
}

/** Shell prompts (`$`, `#`, `%` at the end) are idle, not waiting: nobody asked anything. */
const SHELL_PROMPT = /[$#%]\s*$/;
const QUESTION = [
  /\?\s*$/, // "Do you want to proceed?"
  /\((?:y\/n|yes\/no)\)\s*[:?]?\s*$/i, // "(y/n)"
  /\[(?:y\/n|Y\/n|y\/N|yes\/no)\]\s*[:?]?\s*$/, // "[Y/n]"
  /\b(?:password|passphrase|token|username|otp|code)\b[^:]*:\s*$/i, // "Password:"
  /\bpress (?:enter|return|any key)\b/i,
  /^\s*[>❯›»]\s*$/, // an agent's empty input line ("> ", "❯ ")
  /[❯›»]\s*$/,
];

/** A bell or notification counts when it came with or after the last output, not before it. */
export function isCurrentAttention(attentionAt: number, lastOutputAt: number): boolean {
  return attentionAt >= lastOutputAt - ATTENTION_SLACK_MS;
}

export function looksLikePrompt(line: string): boolean {
  const text = line.trimEnd();
  if (!text) return false;
  if (SHELL_PROMPT.test(text)) return false;
  return QUESTION.some((re) => re.test(text));
}
