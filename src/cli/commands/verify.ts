/**
 * `fyrkant verify <username>`: a sign-in verification from the command line, through the running
 * server's API (so the server's queue, policy and rate limits apply, and no second SIP stack fights
 * over the port). Follows the attempt live and exits 0 only when approved.
 */
import type { Command } from 'commander';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';

interface VerifyFlags {
  readonly config?: string;
  readonly url?: string;
  readonly key?: string;
  readonly method?: string;
  readonly json?: boolean;
  readonly lang?: string;
}

export function register(program: Command): void {
  withConfigOption(program.command('verify'))
    .description('call a user to approve a sign-in (needs `fyrkant serve` running and an API key)')
    .argument('<username>', 'the user to call')
    .option('--url <url>', 'the server (default: http.publicUrl, else http.address:http.port)')
    .option('--key <key>', 'API key (default: $FYRKANT_API_KEY)')
    .option('--method <id>', 'phone method id (default: the user’s default phone)')
    .option('--lang <sv|en>', 'language of the reasons', 'en')
    .option('--json', 'print the final attempt as JSON')
    .action(async (username: string, flags: VerifyFlags) => {
      process.exitCode = await verifyCommand(username, flags, (s) => process.stdout.write(s));
    });
}

function serverUrl(flags: VerifyFlags): string {
  if (flags.url) return flags.url.replace(/\/+$/, '');
  const config = loadCliConfig(flags.config);
  if (config.http.publicUrl) return config.http.publicUrl.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', ''].includes(config.http.address) ? '127.0.0.1' : config.http.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}

export async function verifyCommand(username: string, flags: VerifyFlags, write: (s: string) => void): Promise<number> {
  const key = flags.key ?? process.env.FYRKANT_API_KEY;
  if (!key)
    throw new CliError('an API key is needed: --key or FYRKANT_API_KEY (create one with `fyrkant apikey create`)', 2);
  const base = serverUrl(flags);
  const headers = {
    authorization: `Bearer ${key}`,
    'accept-language': flags.lang ?? 'en',
    'content-type': 'application/json',
  };
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/verifications`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ username, ...(flags.method ? { methodId: flags.method } : {}) }),
    });
  } catch (err) {
    throw new CliError(`cannot reach fyrkant at ${base}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const started = (await res.json().catch(() => ({}))) as { attemptId?: string; message?: string; reasonCode?: string };
  if (res.status !== 202 || !started.attemptId)
    throw new CliError(
      `${res.status}: ${started.message ?? 'verification refused'}${started.reasonCode ? ` (${started.reasonCode})` : ''}`,
    );
  if (!flags.json) write(`attempt ${started.attemptId}\n`);
  const final = await follow(`${base}/api/v1/attempts/${started.attemptId}/events`, headers, (line) => {
    if (!flags.json) write(`${line}\n`);
  });
  if (!final) throw new CliError('the event stream ended without a result');
  if (flags.json) printJson(final);
  else write(`${final.outcome}: ${final.reason}\n`);
  return final.outcome === 'approved' ? 0 : 1;
}

interface FinalAttempt {
  readonly id: string;
  readonly outcome: string;
  readonly reason: string;
  readonly nextAttemptId: string | null;
}

/** Reads the SSE stream to its `end` event; returns the last `attempt` event. */
async function follow(
  url: string,
  headers: Record<string, string>,
  progress: (line: string) => void,
): Promise<FinalAttempt | undefined> {
  const res = await fetch(url, { headers });
  if (!res.ok || !res.body) throw new CliError(`event stream: HTTP ${res.status}`);
  const decoder = new TextDecoder();
  let buf = '';
  let final: FinalAttempt | undefined;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let sep = buf.indexOf('\n\n');
    while (sep >= 0) {
      const block = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      sep = buf.indexOf('\n\n');
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || !data) continue;
      const parsed = JSON.parse(data) as Record<string, unknown>;
      if (event === 'trace' && (parsed.kind === 'state' || parsed.kind === 'sip' || parsed.kind === 'dtmf'))
        progress(`  +${String(parsed.offsetMs).padStart(6)} ms  ${String(parsed.summary)}`);
      else if (event === 'continued') progress(`  continues as attempt ${String(parsed.nextAttemptId)}`);
      else if (event === 'attempt') final = parsed as unknown as FinalAttempt;
      else if (event === 'end') return final;
    }
  }
  return final;
}
