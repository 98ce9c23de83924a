import { describe, expect, it } from 'vitest';
import { checkBind, isLoopbackHost } from '../../src/dashboard/bind-rules.js';
import { ImporterError } from '../../src/errors.js';

describe('the dashboard bind rules', () => {
  it('counts only names this machine alone reaches as loopback', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', 'localhost.example.com', '128.0.0.1', '::ffff:10.0.0.1', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('refuses a non-loopback bind without a token, and an empty token anywhere, as usage errors', () => {
    expect(() => checkBind('127.0.0.1', null)).not.toThrow();
    expect(() => checkBind('0.0.0.0', 'secret')).not.toThrow();
    for (const [host, token] of [['0.0.0.0', null], ['::', null], ['10.0.0.5', null], ['127.0.0.1', '']] as const) {
      let caught: unknown = null;
      try {
        checkBind(host, token);
      } catch (err) {
        caught = err;
      }
      expect(caught, `${host} ${String(token)}`).toBeInstanceOf(ImporterError);
      expect((caught as ImporterError).exitCode).toBe(2);
    }
  });
});
