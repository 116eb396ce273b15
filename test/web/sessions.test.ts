/**
 * Web sessions (issue 18a) on a real SQLite file: signed cookies, only a hash stored, idle and
 * absolute timeouts to the millisecond on an injected clock, sign-out everywhere, and a second
 * store on the same file (a restart) still knowing the session.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/open';
import { createUser } from '../../src/store/repo/users';
import { webSessions } from '../../src/store/schema';
import { hashSessionToken, SessionStore } from '../../src/web/http/sessions';
import { sessionSecret } from '../../src/web/session-secret';
import { REPO_ROOT } from '../support/cli';

const SECRET = 'a-test-session-secret-of-enough-length-0123';
let dir: string;
let store: Store;
let userId: string;
let t: number;
const clock = () => t;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-sessions-'));
  store = openStore({ path: join(dir, 'f.db') });
  userId = createUser(store.db, { username: 'anna' }).id;
  t = 1_000_000;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const make = (o: { secret?: string; db?: boolean } = {}) =>
  new SessionStore({
    secret: o.secret ?? SECRET,
    ...(o.db === false ? {} : { db: store.db }),
    idleMs: 30 * 60_000,
    absoluteMs: 8 * 3600_000,
    now: clock,
  });

describe('SessionStore on SQLite', () => {
  it('stores only the token hash and survives a new store on the same database (a restart)', () => {
    const s = make().create({ kind: 'self', userId }, { method: 'oidc', userAgent: 'UA', ip: '127.0.0.1' });
    const [token] = s.id.split('.');
    const rows = store.db.select().from(webSessions).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toBe(hashSessionToken(token ?? ''));
    expect(JSON.stringify(rows)).not.toContain(token);
    const again = make().get(s.id);
    expect(again?.subject).toEqual({ kind: 'self', userId });
    expect(again?.method).toBe('oidc');
    expect(again?.csrfToken).toBe(s.csrfToken);
  });

  it('refuses a cookie whose signature does not check, or one signed with another secret', () => {
    const s = make().create({ kind: 'self', userId });
    const [token, mac] = s.id.split('.');
    const flipped = `${mac?.slice(0, -1)}${mac?.endsWith('A') ? 'B' : 'A'}`;
    expect(make().get(`${token}.${flipped}`)).toBeUndefined();
    expect(make().get(token)).toBeUndefined();
    expect(make().get(`${token}.`)).toBeUndefined();
    expect(make({ secret: 'another-secret-another-secret-another' }).get(s.id)).toBeUndefined();
    expect(make().get(s.id)).toBeDefined();
  });

  it('ends after exactly the idle time without a request', () => {
    const sessions = make();
    const s = sessions.create({ kind: 'self', userId });
    t += 30 * 60_000;
    expect(sessions.get(s.id)).toBeDefined(); // at the limit: still alive, and the timer restarts
    t += 30 * 60_000 + 1;
    expect(sessions.get(s.id)).toBeUndefined();
    expect(store.db.select().from(webSessions).all()).toHaveLength(0);
  });

  it('ends after the absolute lifetime however active', () => {
    const sessions = make();
    const s = sessions.create({ kind: 'self', userId });
    for (let i = 0; i < 16; i++) {
      t += 30 * 60_000;
      expect(sessions.get(s.id)).toBeDefined();
    }
    t += 1; // 8 h + 1 ms after sign-in
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('keeps enrolling across a restart, and flash values only in memory', () => {
    const first = make();
    const s = first.create({ kind: 'self', userId });
    s.enrolling = true;
    s.flash.set('app-password', 'secret-shown-once');
    expect(first.get(s.id)?.flash.get('app-password')).toBe('secret-shown-once');
    const restarted = make().get(s.id);
    expect(restarted?.enrolling).toBe(true);
    expect(restarted?.flash.size).toBe(0);
    expect(JSON.stringify(store.db.select().from(webSessions).all())).not.toContain('secret-shown-once');
  });

  it('lists a user’s sessions and signs out one, or everywhere but this one', () => {
    const sessions = make();
    const a = sessions.create({ kind: 'self', userId }, { method: 'ldap' });
    t += 1000;
    const b = sessions.create({ kind: 'self', userId }, { method: 'oidc' });
    const admin = sessions.create({ kind: 'admin', keyId: 'k', name: 'n' });
    expect(sessions.listForUser(userId).map((x) => x.handle)).toEqual([b.handle, a.handle]);
    expect(sessions.destroyForUser('someone-else', a.handle)).toBe(false);
    expect(sessions.destroyAllForUser(userId, b.handle)).toBe(1);
    expect(sessions.get(a.id)).toBeUndefined();
    expect(sessions.get(b.id)).toBeDefined();
    expect(sessions.destroyForUser(userId, b.handle)).toBe(true);
    expect(sessions.get(b.id)).toBeUndefined();
    expect(sessions.get(admin.id)?.subject.kind).toBe('admin');
  });

  it('sign-out (destroy) ends the session for good', () => {
    const sessions = make();
    const s = sessions.create({ kind: 'self', userId });
    sessions.destroy(s.id);
    expect(make().get(s.id)).toBeUndefined();
  });

  it('works the same in memory (unit tests of pages)', () => {
    const sessions = make({ db: false });
    const s = sessions.create({ kind: 'self', userId });
    expect(sessions.get(s.id)?.subject).toEqual({ kind: 'self', userId });
    t += 30 * 60_000 + 1;
    expect(sessions.get(s.id)).toBeUndefined();
  });
});

describe('sessionSecret', () => {
  it('uses the configured secret, else makes one in dataDir and keeps it', () => {
    expect(sessionSecret('configured-secret', dir)).toBe('configured-secret');
    const made = sessionSecret(null, join(dir, 'data'));
    expect(made.length).toBeGreaterThanOrEqual(32);
    expect(sessionSecret(null, join(dir, 'data'))).toBe(made);
    expect(statSync(join(dir, 'data', 'session-secret')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'data'))).toEqual(['session-secret']);
  });

  it('replaces a kept secret too short to be one it made', () => {
    const data = join(dir, 'data');
    sessionSecret(null, data);
    writeFileSync(join(data, 'session-secret'), 'short\n');
    const made = sessionSecret(null, data);
    expect(made.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(data, 'session-secret'), 'utf8').trim()).toBe(made);
    expect(readdirSync(data)).toEqual(['session-secret']);
  });

  it('nodes starting at once on a fresh data directory all end up with the same secret', async () => {
    const data = join(dir, 'shared-data');
    const code = `
      const { sessionSecret } = require(${JSON.stringify(join(REPO_ROOT, 'src', 'web', 'session-secret'))});
      console.log('ready');
      process.stdin.once('data', () => { console.log(sessionSecret(null, process.argv[1])); process.exit(0); });`;
    const nodes = Array.from({ length: 6 }, () => {
      const child = spawn(
        process.execPath,
        ['-r', join(REPO_ROOT, 'test', 'support', 'swc-register.js'), '-e', code, data],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      let out = '';
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString('utf8');
          if (out.startsWith('ready\n')) resolve();
        }),
      );
      const secret = new Promise<string>((resolve, reject) =>
        child.on('exit', (c) => (c === 0 ? resolve(out.split('\n')[1] ?? '') : reject(new Error(`exit ${c}: ${out}`)))),
      );
      return { child, ready, secret };
    });
    await Promise.all(nodes.map((n) => n.ready));
    for (const n of nodes) n.child.stdin.end('go\n');
    const secrets = await Promise.all(nodes.map((n) => n.secret));
    expect(secrets[0]!.length).toBeGreaterThanOrEqual(32);
    expect(new Set(secrets)).toEqual(new Set([secrets[0]]));
    expect(readFileSync(join(data, 'session-secret'), 'utf8').trim()).toBe(secrets[0]);
    expect(readdirSync(data)).toEqual(['session-secret']);
  }, 60_000);
});
