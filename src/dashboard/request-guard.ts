import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from './bind-rules.js';
import { PAGE_FILES } from './page-files.js';

const PAGE_PATHS: ReadonlySet<string> = new Set(Object.keys(PAGE_FILES));

export interface GuardSettings {
  /** The token every API request must carry, or null on a loopback bind without one. */
  readonly token: string | null;
  /** The host the server listens on, as given. */
  readonly host: string;
}

/** Why a request is refused: an HTTP status and a message for the JSON body. */
export interface Refusal {
  readonly status: number;
  readonly error: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Compared as digests of equal length, so the time taken says nothing about the token. */
function sameToken(given: string, token: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function hostName(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(hostHeader);
  if (bracketed) return bracketed[1]!;
  return hostHeader.replace(/:\d+$/, '');
}

/**
 * The rules every request meets before a route runs:
 * - Without a token (a loopback bind), the Host must be a loopback name or the bound host: a web
 *   page elsewhere cannot rebind its own name to 127.0.0.1 and read the API.
 * - With a token, every request but those of the page's own files carries it as
 *   `Authorization: Bearer <token>` (never a cookie, which a browser would attach to another
 *   site's requests).
 * - A request that changes something (cancel, purge) comes from the dashboard's own page: no
 *   foreign Origin, not marked cross-site by the browser, and sent as JSON (a form on another site
 *   can send neither the header nor this content type without the browser asking first).
 */
export function refusal(request: FastifyRequest, settings: GuardSettings): Refusal | null {
  const hostHeader = request.headers.host ?? '';
  if (settings.token === null) {
    const name = hostName(hostHeader).toLowerCase();
    if (!isLoopbackHost(name) && name !== settings.host.toLowerCase()) return { status: 421, error: 'unexpected Host header' };
  }
  // Everything but the page's own files needs the token: no spelling of a path (encoded, doubled
  // slashes) can reach the API without it.
  const pageFile = (request.method === 'GET' || request.method === 'HEAD') && PAGE_PATHS.has(request.url.split('?')[0]!);
  if (!pageFile && settings.token !== null) {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !sameToken(match[1]!.trim(), settings.token)) return { status: 401, error: 'a valid token is needed: send Authorization: Bearer <token>' };
  }
  if (!SAFE_METHODS.has(request.method)) {
    const origin = request.headers.origin;
    // https: behind a reverse proxy that terminates TLS and keeps the Host.
    if (origin !== undefined && origin !== `http://${hostHeader}` && origin !== `https://${hostHeader}`) return { status: 403, error: 'cross-site request refused' };
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return { status: 403, error: 'cross-site request refused' };
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { status: 415, error: 'send the request as application/json' };
  }
  return null;
}

/** The fastify hook applying `refusal`. */
export function guard(settings: GuardSettings): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const refused = refusal(request, settings);
    if (!refused) return;
    if (refused.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
    await reply.code(refused.status).send({ error: refused.error });
  };
}
