import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/redis/key-slot.js';

describe('keySlot', () => {
  it('is CRC16/XMODEM of the key modulo 16384, as Redis Cluster computes it', () => {
    expect(keySlot('123456789')).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182);
  });

  it('hashes only the hash tag: the first {...} that is not empty', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('importer:{abc}:meta')).toBe(keySlot('abc'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('é{ü}x')).toBe(9552);
  });
});
