/**
 * Admin actions that take a person's or a key's rights away end their browser sessions at once:
 * resetting methods, requiring re-registration and blocking sign the user out of Security info;
 * revoking an API key signs out the admin sessions made with it. Sessions are in SQLite (issue 18a),
 * so the check is the real session store reading the same database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DestinationPolicy } from '../../src/domain/policy';
import { phonePort } from '../../src/services/adapters/phone-policy';
import { ApiKeyService } from '../../src/services/api-keys/service';
import { UserAdminService } from '../../src/services/users/admin';
import { UserService } from '../../src/services/users/service';
import { createApiKey, createUser, openStore, type Store } from '../../src/store';
import { SessionStore } from '../../src/web/http/sessions';
import { testPolicyOptions } from '../support/api-harness';

let dir: string;
let store: Store;
let sessions: SessionStore;
let admin: UserAdminService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-session-revoke-'));
  store = openStore({ path: join(dir, 'f.db') });
  sessions = new SessionStore({ db: store.db, secret: 'x'.repeat(32) });
  const users = new UserService(store, phonePort(new DestinationPolicy(testPolicyOptions())), {
    enrollmentLinkTtlMs: 86_400_000,
    bypassTtlMs: 300_000,
    publicBaseUrl: 'http://127.0.0.1',
  });
  admin = new UserAdminService(store, users);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function signedIn(userId: string) {
  const other = createUser(store.db, { username: `other-${userId.slice(0, 6)}` });
  const mine = sessions.create({ kind: 'self', userId });
  const theirs = sessions.create({ kind: 'self', userId: other.id });
  expect(sessions.get(mine.id)).toBeDefined();
  return { mine: mine.id, theirs: theirs.id };
}

it.each([
  ['reset methods', (id: string) => admin.resetMethods(id, 'test')],
  ['require re-registration', (id: string) => admin.requireReregistration(id, 'test')],
  ['block', (id: string) => admin.block(id, { until: Date.now() + 3_600_000, reason: 'lost phone' }, 'test')],
])('%s ends the user’s sessions, and only theirs', (_name, act) => {
  const user = createUser(store.db, { username: 'anna' });
  const s = signedIn(user.id);
  expect(act(user.id).ok).toBe(true);
  expect(sessions.get(s.mine)).toBeUndefined();
  expect(sessions.get(s.theirs)).toBeDefined();
});

it('a refused block (no reason) changes nothing, sessions included', () => {
  const user = createUser(store.db, { username: 'anna' });
  const s = signedIn(user.id);
  expect(admin.block(user.id, { until: Date.now() + 3_600_000, reason: ' ' }, 'test').ok).toBe(false);
  expect(sessions.get(s.mine)).toBeDefined();
});

it('revoking an API key signs out the admin sessions made with it', () => {
  const a = createApiKey(store.db, { name: 'a', scopes: ['admin'] }).row;
  const b = createApiKey(store.db, { name: 'b', scopes: ['admin'] }).row;
  const withA = sessions.create({ kind: 'admin', keyId: a.id, name: 'a' });
  const withB = sessions.create({ kind: 'admin', keyId: b.id, name: 'b' });
  expect(new ApiKeyService(store).revoke(a.id, 'test').ok).toBe(true);
  expect(sessions.get(withA.id)).toBeUndefined();
  expect(sessions.get(withB.id)).toBeDefined();
});
