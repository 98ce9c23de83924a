import { launch, waitFor, freePort, type Cli } from './processes.js';

/** A dashboard the test started through the command line, and where it answers. */
export interface RunningDashboard {
  readonly cli: Cli;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `importer dashboard` on a free port and waits until it prints its address. */
export async function startDashboardCli(env: Record<string, string>, args: readonly string[] = []): Promise<RunningDashboard> {
  const port = await freePort();
  const cli = launch(['dashboard', '--port', String(port), ...args], env);
  let stdout = '';
  cli.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const url = await waitFor('the dashboard to print its address', () => {
    if (cli.exited) throw new Error(`the dashboard exited before it served (stdout: ${stdout})`);
    return /^(http:\/\/\S+)\n/m.exec(stdout)?.[1];
  });
  return {
    cli,
    url,
    stop: async () => {
      if (!cli.exited) cli.child.kill('SIGTERM');
      await cli.exit;
    },
  };
}

/** An API answer: its status and JSON body. */
export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}
