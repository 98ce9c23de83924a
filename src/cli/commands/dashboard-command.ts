import type { Command } from 'commander';
import { checkBind, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT, TOKEN_ENV } from '../../dashboard/bind-rules.js';
import { closeRedis, connectRedis } from '../../redis/connection.js';
import { keyPrefix, redisUrl, stopOnSignals } from '../context.js';
import { info, type GlobalFlags } from '../output.js';
import { integer } from '../parse.js';

interface DashboardFlags extends GlobalFlags {
  readonly port: number;
  readonly host: string;
  readonly token?: string;
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live web page and JSON API of the imports and workers in this Redis, until interrupted')
    .option('--port <port>', 'TCP port to listen on', integer('--port', 0, 65535), DEFAULT_DASHBOARD_PORT)
    .option('--host <address>', 'address to listen on; any but a loopback one needs a token', DEFAULT_DASHBOARD_HOST)
    .option('--token <t>', `every API request must send "Authorization: Bearer <t>" (default: $${TOKEN_ENV})`)
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<DashboardFlags>();
      // An empty variable counts as unset, as shells leave them; an empty --token is refused.
      const token = flags.token ?? (process.env[TOKEN_ENV] || null);
      // Refused before anything is opened: the check needs no Redis.
      checkBind(flags.host, token);
      // A page waits for no lost connection: a request fails after a couple of reconnection
      // attempts (503, the page says so and looks again), the connection itself comes back.
      const redis = await connectRedis({ url: redisUrl(flags), maxRetriesPerRequest: 2, role: 'dashboard' });
      try {
        const { startDashboard } = await import('../../dashboard/start-dashboard.js');
        const dashboard = await startDashboard({ redis, prefix: keyPrefix(flags), host: flags.host, port: flags.port, token });
        // The address on stdout (for scripts); the token is never printed.
        process.stdout.write(`${dashboard.url}\n`);
        info(flags, `Dashboard serving imports under prefix "${keyPrefix(flags)}"${token ? ' (token required)' : ''}; Ctrl-C stops it`);
        await new Promise<void>((resolve) => {
          const stop = stopOnSignals(() => {
            stop();
            resolve();
          });
        });
        await dashboard.close();
      } finally {
        await closeRedis(redis);
      }
    });
}
