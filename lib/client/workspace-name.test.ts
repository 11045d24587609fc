import { describe, expect, it } from 'vitest';
import { workspaceNameProblem } from './workspace-name';

describe('workspaceNameProblem', () => {
  it('accepts the gateway alphabet', () => {
    expect(workspaceNameProblem('my-app_2.0')).toBeNull();
    expect(workspaceNameProblem('a'.repeat(64))).toBeNull();
  });
  it('explains what is wrong', () => {
    expect(workspaceNameProblem('')).toMatch(/name/);
    expect(workspaceNameProblem('a'.repeat(65))).toMatch(/64/);
    expect(workspaceNameProblem('has space')).toMatch(/letters/);
    expect(workspaceNameProblem('../x')).toMatch(/letters/);
  });
});
