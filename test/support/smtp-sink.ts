/**
 * A real SMTP server for mail tests: Debian's aiosmtpd (python3-aiosmtpd) as a separate process on
 * 127.0.0.1 with a free port, storing every delivered message in a Maildir. Messages are read back
 * with Python's own `email` package (an independent MIME parser), so a test checks what a mail
 * client would show: decoded subject, headers and text.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { requireTool } from './tools';

export interface ReceivedMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly contentLanguage: string | null;
  readonly text: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly dir: string;
  /** Messages delivered so far, oldest first. */
  messages(): ReceivedMail[];
  stop(): Promise<void>;
}

const PARSE = `
import email, json, sys
from email import policy
out = []
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        m = email.message_from_binary_file(f, policy=policy.default)
    body = m.get_body(preferencelist=('plain',))
    out.append({'from': str(m['from']), 'to': str(m['to']), 'subject': str(m['subject']),
                'contentLanguage': m['content-language'] and str(m['content-language']),
                'text': body.get_content() if body else ''})
print(json.dumps(out))
`;

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts aiosmtpd; `port` reuses a port (a test that first finds it down, then up). */
export async function startSmtpSink(port?: number): Promise<SmtpSink> {
  requireTool('aiosmtpd', 'python3-aiosmtpd');
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-smtp-'));
  const maildir = join(dir, 'Maildir');
  const child: ChildProcess = spawn(
    'aiosmtpd',
    ['-n', '-l', `127.0.0.1:${p}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepting(p))) {
    if (child.exitCode !== null) throw new Error(`aiosmtpd exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`aiosmtpd did not listen on ${p}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port: p,
    dir,
    messages() {
      const files: string[] = [];
      for (const sub of ['new', 'cur']) {
        try {
          for (const f of readdirSync(join(maildir, sub)).sort()) files.push(join(maildir, sub, f));
        } catch {
          /* not created before the first message */
        }
      }
      if (files.length === 0) return [];
      return JSON.parse(execFileSync('python3', ['-c', PARSE, ...files], { encoding: 'utf8' })) as ReceivedMail[];
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
