import { isIP } from 'node:net';
import { optionError } from '../errors.js';

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 8080;

/** The environment variable the command line reads the dashboard's token from when `--token` does not give it. */
export const TOKEN_ENV = 'IMPORTER_DASHBOARD_TOKEN';

/** True for names that only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(bare);
  return false;
}

/**
 * A dashboard reachable from other machines must not let anyone who finds it cancel or purge
 * imports, or read the uploaders' rows: it refuses to start without a token.
 */
export function checkBind(host: string, token: string | null): void {
  if (token !== null && token.length === 0) throw optionError((o) => `the dashboard token is empty: give ${o('token')} a value`);
  if (token === null && !isLoopbackHost(host)) {
    throw optionError(
      (o) =>
        `refusing to serve the dashboard on ${host} without a token: anyone who can reach it could read the uploaded rows and cancel or purge imports. ` +
        `Give ${o('token')}, or bind to 127.0.0.1`,
    );
  }
}
