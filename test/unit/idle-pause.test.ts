import { describe, expect, it } from 'vitest';
import { idlePause, IDLE_PAUSE_MAX_MS, NAMED_FIRST_CHUNK_PAUSE_MS, NAMED_FIRST_CHUNK_WINDOW_MS, NAMED_IDLE_PAUSE_MAX_MS } from '../../src/work/idle-pause.js';

describe('idlePause', () => {
  it('doubles from 50 ms up to 400 ms for a worker on every import, whenever it started', () => {
    const pauses = [1, 2, 3, 4, 5, 9].map((emptyRounds) => idlePause({ named: false, handedChunks: false, sinceStartMs: 0, emptyRounds }));
    expect(pauses).toEqual([50, 100, 200, 400, 400, 400]);
    expect(Math.max(...pauses)).toBe(IDLE_PAUSE_MAX_MS);
  });

  it('looks every 10 ms for a named import until its first chunk, within the first 5 s', () => {
    for (const emptyRounds of [1, 2, 5, 40]) {
      expect(idlePause({ named: true, handedChunks: false, sinceStartMs: 30, emptyRounds })).toBe(NAMED_FIRST_CHUNK_PAUSE_MS);
      expect(idlePause({ named: true, handedChunks: false, sinceStartMs: NAMED_FIRST_CHUNK_WINDOW_MS - 1, emptyRounds })).toBe(10);
    }
  });

  it('goes back to pauses of up to 100 ms once a chunk came, or past the first 5 s', () => {
    const after = (state: { handedChunks: boolean; sinceStartMs: number }): number[] =>
      [1, 2, 3, 6].map((emptyRounds) => idlePause({ named: true, ...state, emptyRounds }));
    expect(after({ handedChunks: true, sinceStartMs: 200 })).toEqual([50, 100, 100, 100]);
    expect(after({ handedChunks: false, sinceStartMs: NAMED_FIRST_CHUNK_WINDOW_MS })).toEqual([50, 100, 100, 100]);
    expect(NAMED_IDLE_PAUSE_MAX_MS).toBe(100);
  });
});
