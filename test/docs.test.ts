import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('../scripts/check-docs.mjs', import.meta.url));

describe('the documentation', () => {
  it('documents every flag of the command line, and its links and anchors resolve', () => {
    const result = spawnSync(process.execPath, [CHECK], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/ 0 problem\(s\)/);
    expect(result.status).toBe(0);
  });
});
