import Fastify, { type FastifyError } from 'fastify';
import { DEFAULT_PREFIX } from '../defaults.js';
import { ImporterError, errorMessage } from '../errors.js';
import type { ImporterRedis } from '../redis/scripts.js';
import { redactText } from '../redact.js';
import { isTransientRedisError } from '../redis/replication.js';
import { registerApi } from './api-routes.js';
import { checkBind, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT } from './bind-rules.js';
import { loadPage } from './page-files.js';
import { guard } from './request-guard.js';


export interface DashboardOptions {
  /** The Redis the workers use; left open when the dashboard closes. */
  readonly redis: ImporterRedis;
  readonly prefix?: string;
  /** Default 127.0.0.1. Any other than a loopback address needs a token. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Every API request must then carry `Authorization: Bearer <token>`. */
  readonly token?: string | null;
}

export interface Dashboard {
  /** Where the page is, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** What the page may load and do: its own three files and its own API, nothing else. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function httpStatus(err: ImporterError): number {
  if (err.kind === 'usage') return 400;
  if (err.kind === 'state') return /^no import /.test(err.message) ? 404 : 409;
  if (err.kind === 'connection') return 503;
  if (err.kind === 'timeout') return 504;
  return 500;
}

/**
 * Serves the dashboard: the page (imports, one import, workers) and its JSON API, read from the
 * same Redis the workers use. Refuses (a usage ImporterError) to listen on a non-loopback address
 * without a token.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const token = options.token ?? null;
  checkBind(host, token);
  const page = await loadPage();
  // Closing ends every connection, kept-alive ones of open pages included: a stop never waits on a browser.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });

  app.addHook('onRequest', guard({ token, host }));
  app.addHook('onSend', async (request, reply) => {
    void reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    void reply.header('X-Content-Type-Options', 'nosniff');
    void reply.header('Referrer-Policy', 'no-referrer');
    void reply.header('X-Frame-Options', 'DENY');
    void reply.header('Cache-Control', 'no-store');
  });
  app.setErrorHandler((err: FastifyError | ImporterError | Error, _request, reply) => {
    if (err instanceof ImporterError) return reply.code(httpStatus(err)).send({ error: redactText(err.message) });
    if (isTransientRedisError(err)) return reply.code(503).send({ error: redactText(`Redis unavailable: ${errorMessage(err)}`) });
    const status = 'statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ error: redactText(status === 500 ? `internal error: ${errorMessage(err)}` : errorMessage(err)) });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  for (const [path, file] of page) app.get(path, async (_request, reply) => reply.type(file.type).send(file.body));
  registerApi(app, { redis: options.redis, prefix: options.prefix ?? DEFAULT_PREFIX });

  try {
    await app.listen({ host, port: options.port ?? DEFAULT_DASHBOARD_PORT });
  } catch (err) {
    await app.close();
    throw new ImporterError('connection', `cannot listen on ${host}:${options.port ?? DEFAULT_DASHBOARD_PORT}: ${errorMessage(err)}`, { cause: err });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_DASHBOARD_PORT);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}/`, port, close: () => app.close() };
}
