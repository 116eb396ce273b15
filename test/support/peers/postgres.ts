/**
 * A real PostgreSQL (Debian package postgresql) for a test: initdb into a temp dir, `postgres` in the
 * foreground as our child on a free port on 127.0.0.1 with its unix socket in the temp dir, a
 * password (scram) for TCP, one database created, stopped by PID (fast shutdown) and the dir removed.
 * The system's cluster (if the package started one) is never used or touched.
 *
 * Debian keeps the binaries in /usr/lib/postgresql/<major>/bin, not on PATH. PostgreSQL refuses to
 * run as root, so as root (CI) initdb and postgres run as `nobody` through setpriv, which execs in
 * place: the PID we hold is the postmaster's.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../ports';
import { requireTool } from '../tools';
import { makeTempDir, type PeerProcess, retryOnPortClash, spawnPeer, waitUntil } from './process';

export const PG_USER = 'postgres';

export interface PostgresPeer extends PeerProcess {
  readonly port: number;
  readonly password: string;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>` of the database made at start. */
  readonly url: string;
  /** Creates another (empty) database and returns its URL. */
  createDatabase(name: string): Promise<string>;
}

export interface PostgresOptions {
  /** Name of the database created at start (default `fyrkant`). */
  readonly database?: string;
}

/** The newest /usr/lib/postgresql/<major>/bin with initdb and postgres; else PATH; else the install line. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((d) => /^\d+$/.test(d))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const m of majors) {
    const bin = join(base, m, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  const initdb = requireTool('initdb', 'postgresql');
  return initdb.slice(0, initdb.lastIndexOf('/'));
}

export function startPostgres(options: PostgresOptions = {}): Promise<PostgresPeer> {
  return retryOnPortClash(() => startOnce(options));
}

/** How to run a PostgreSQL binary: as ourselves, or as root through setpriv as `nobody`. */
interface RunAs {
  readonly prefix: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const setpriv = requireTool('setpriv', 'util-linux');
  const uid = 65534;
  const gid = 65534;
  return { prefix: [setpriv, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'], uid, gid };
}

function run(as: RunAs, binary: string, args: readonly string[], cwd: string): Promise<void> {
  const [cmd, ...rest] = [...as.prefix, binary, ...args];
  return new Promise((resolve, reject) => {
    execFile(cmd as string, rest, { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${binary} failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve(),
    );
  });
}

async function startOnce(options: PostgresOptions): Promise<PostgresPeer> {
  const bin = postgresBinDir();
  const as = runAs();
  const dir = makeTempDir('postgres');
  if (as.uid !== undefined && as.gid !== undefined) chownSync(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (as.uid !== undefined && as.gid !== undefined) chownSync(pwfile, as.uid, as.gid);
  await run(
    as,
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      PG_USER,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    dir,
  );
  const port = await freePort();
  const [cmd, ...args] = [
    ...as.prefix,
    join(bin, 'postgres'),
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dir,
    // A throwaway cluster: durability buys nothing here.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ];
  const peer = spawnPeer('postgres', cmd as string, args, dir);
  const urlFor = (db: string) => `postgres://${PG_USER}:${password}@127.0.0.1:${port}/${db}`;
  const stop = async () => {
    // SIGINT = fast shutdown: ends sessions and stops cleanly; plain stop() follows (SIGTERM/KILL, rm dir).
    if (peer.child.exitCode === null && peer.child.signalCode === null) {
      try {
        process.kill(peer.pid, 'SIGINT');
      } catch {
        // already gone
      }
      await Promise.race([peer.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    await peer.stop();
  };
  try {
    await waitUntil(peer, () => accepts(urlFor('postgres')), 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const createDatabase = async (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name: ${name}`);
    const c = new Client({ connectionString: urlFor('postgres') });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return urlFor(name);
  };
  try {
    const url = await createDatabase(options.database ?? 'fyrkant');
    return { ...peer, stop, port, password, url, createDatabase };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One connection attempt: true when the server accepted it and answered a query. */
async function accepts(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}
