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
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
      const { signal } = await cli.exit;
      clearTimeout(timer);
      if (signal === 'SIGKILL') throw new Error('the dashboard did not stop within 10 s of SIGTERM');
    },
  };
}

/** An API answer: its status and JSON body. */
export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}
