import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addPhoneMethod,
  appendAttemptEvent,
  appliedMigrations,
  audit,
  createAttempt,
  createUser,
  deleteUser,
  dueRetries,
  endUnfinishedAttempts,
  getAttempt,
  getUserByUsername,
  InvalidTransitionError,
  listAttemptEvents,
  listAttempts,
  listAudit,
  listPhoneMethods,
  markPhoneMethodVerified,
  openStore,
  purgeAttemptEvents,
  type Store,
  scheduleRetry,
  setDefaultPhoneMethod,
  transitionAttempt,
  updatePhoneMethod,
} from '../../src/store';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-store-'));
  store = openStore({ path: join(dir, 'sub', 'fyrkant.db') });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening the store', () => {
  it('uses WAL, foreign keys and a busy timeout, and applies the migrations from db/', () => {
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(appliedMigrations(store).length).toBeGreaterThanOrEqual(1);
    const tables = (
      store.sqlite.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]
    ).map((t) => t.name);
    for (const t of [
      'users',
      'phone_methods',
      'attempts',
      'attempt_events',
      'app_passwords',
      'api_keys',
      'webhook_deliveries',
      'fraud_reports',
      'audit_log',
      'enrollment_links',
      'bypasses',
    ])
      expect(tables).toContain(t);
  });

  it('re-opening an existing file applies nothing twice and keeps the data', () => {
    createUser(store.db, { username: 'anna' });
    const n = appliedMigrations(store).length;
    store.close();
    store = openStore({ path: join(dir, 'sub', 'fyrkant.db') });
    expect(appliedMigrations(store).length).toBe(n);
    expect(getUserByUsername(store.db, 'anna')?.username).toBe('anna');
  });
});

describe('users and phone methods', () => {
  it('rejects a duplicate username and cascades methods on delete', () => {
    const u = createUser(store.db, { username: 'anna', displayName: 'Anna A', language: 'sv-SE' });
    expect(() => createUser(store.db, { username: 'anna' })).toThrow(/UNIQUE/);
    addPhoneMethod(store.db, { userId: u.id, kind: 'office', country: 'SE', e164: '+46812345678', extension: '12' });
    expect(listPhoneMethods(store.db, u.id)).toHaveLength(1);
    expect(deleteUser(store.db, u.id)).toBe(true);
    expect(listPhoneMethods(store.db, u.id)).toHaveLength(0);
  });

  it('enforces foreign keys', () => {
    expect(() =>
      addPhoneMethod(store.db, { userId: 'nope', kind: 'office', country: 'SE', e164: '+46812345678' }),
    ).toThrow(/FOREIGN KEY/);
  });

  it('makes the first verified method the default, and a changed number unverified again', () => {
    const u = createUser(store.db, { username: 'bo' });
    const a = addPhoneMethod(store.db, { userId: u.id, kind: 'office', country: 'SE', e164: '+46812345678' });
    const b = addPhoneMethod(store.db, { userId: u.id, kind: 'mobile', country: 'SE', e164: '+46701234567' });
    expect(markPhoneMethodVerified(store.db, a.id, 1000).isDefault).toBe(true);
    const bv = markPhoneMethodVerified(store.db, b.id, 2000);
    expect([bv.isDefault, bv.verifiedAt]).toEqual([false, 2000]);
    setDefaultPhoneMethod(store.db, b.id);
    const defaults = listPhoneMethods(store.db, u.id).filter((m) => m.isDefault);
    expect(defaults.map((m) => m.id)).toEqual([b.id]);
    expect(updatePhoneMethod(store.db, b.id, { extension: '99' }).verifiedAt).toBeNull();
    expect(updatePhoneMethod(store.db, a.id, { kind: 'alternate' }).verifiedAt).toBe(1000);
  });
});

describe('attempts', () => {
  it('walks queued → dialling → ringing → answered → in-script → ended with one state event per step', () => {
    const u = createUser(store.db, { username: 'cia' });
    const a = createAttempt(store.db, { purpose: 'enrollment', userId: u.id, destination: '+46812345678', at: 100 });
    expect(a.state).toBe('queued');
    transitionAttempt(store.db, a.id, {
      to: 'dialling',
      at: 110,
      dialledTarget: 'sip:+46812345678@pbx',
      backend: 'embedded',
    });
    transitionAttempt(store.db, a.id, { to: 'ringing', at: 120, sipStatus: 180, callId: 'abc@host' });
    transitionAttempt(store.db, a.id, { to: 'answered', at: 130 });
    transitionAttempt(store.db, a.id, { to: 'in-script', at: 140, scriptId: 'office-phone-verify', scriptHash: 'h' });
    const ended = transitionAttempt(store.db, a.id, {
      to: 'ended',
      at: 150,
      outcome: 'approved',
      digitsReceived: '#',
      dtmfSource: 'rfc4733',
    });
    expect(ended.state).toBe('ended');
    if (ended.state !== 'ended') throw new Error('unreachable');
    expect([ended.outcome, ended.endedAt, ended.callId, ended.ringingAt, ended.scriptId]).toEqual([
      'approved',
      150,
      'abc@host',
      120,
      'office-phone-verify',
    ]);
    const events = listAttemptEvents(store.db, a.id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => e.summary.split(' ')[2])).toEqual([
      'queued',
      'dialling',
      'ringing',
      'answered',
      'in-script',
      'ended',
    ]);
  });

  it('refuses a backwards or post-end transition and leaves row and trace unchanged (one transaction)', () => {
    const a = createAttempt(store.db, { purpose: 'test' });
    transitionAttempt(store.db, a.id, { to: 'answered' });
    expect(() => transitionAttempt(store.db, a.id, { to: 'ringing' })).toThrow(InvalidTransitionError);
    transitionAttempt(store.db, a.id, { to: 'ended', outcome: 'hangup' });
    expect(() => transitionAttempt(store.db, a.id, { to: 'ended', outcome: 'approved' })).toThrow(
      InvalidTransitionError,
    );
    expect(getAttempt(store.db, a.id)?.outcome).toBe('hangup');
    expect(listAttemptEvents(store.db, a.id)).toHaveLength(3);
  });

  it('rolls back the state change when the event insert fails', () => {
    const a = createAttempt(store.db, { purpose: 'test' });
    // Sabotage the event table so the second statement of the transaction fails.
    store.sqlite.exec(
      "CREATE TRIGGER fail_events BEFORE INSERT ON attempt_events BEGIN SELECT RAISE(ABORT, 'boom'); END;",
    );
    expect(() => transitionAttempt(store.db, a.id, { to: 'ringing' })).toThrow(/boom/);
    expect(getAttempt(store.db, a.id)?.state).toBe('queued');
  });

  it('records a policy denial as an attempt that is ended from the start', () => {
    const a = createAttempt(store.db, {
      purpose: 'sign-in',
      destination: '+46939123456',
      endedWith: { outcome: 'policy-denied', reasonCode: 'blocked-number-type' },
    });
    expect([a.state, a.outcome, a.reasonCode]).toEqual(['ended', 'policy-denied', 'blocked-number-type']);
    expect(listAttempts(store.db, { outcome: 'policy-denied' }).map((x) => x.id)).toEqual([a.id]);
  });

  it('keeps whether the phone was chosen through every read path (default: not chosen)', () => {
    const chosen = createAttempt(store.db, { purpose: 'sign-in', methodChosen: true });
    const guessed = createAttempt(store.db, { purpose: 'sign-in' });
    expect([chosen.methodChosen, guessed.methodChosen]).toEqual([true, false]);
    // Stored as 0/1 and NOT NULL; read back as booleans (raw statements and drizzle alike).
    const raw = store.sqlite.prepare('SELECT method_chosen AS c FROM attempts WHERE id = ?');
    expect([raw.get(chosen.id), raw.get(guessed.id)]).toEqual([{ c: 1 }, { c: 0 }]);
    expect(() => store.sqlite.prepare('UPDATE attempts SET method_chosen = NULL WHERE id = ?').run(chosen.id)).toThrow(
      /NOT NULL/,
    );
    expect(getAttempt(store.db, chosen.id)?.methodChosen).toBe(true);
    expect(transitionAttempt(store.db, chosen.id, { to: 'ended', outcome: 'interrupted' }).methodChosen).toBe(true);
    scheduleRetry(store.db, chosen.id, 1);
    expect(dueRetries(store.db, 2).map((r) => [r.id, r.methodChosen])).toEqual([[chosen.id, true]]);
    const listed = new Map(listAttempts(store.db).map((a) => [a.id, a.methodChosen]));
    expect(Object.fromEntries(listed)).toEqual({ [chosen.id]: true, [guessed.id]: false });
  });

  it('stores trace events in order with SIP auth redacted', () => {
    const a = createAttempt(store.db, { purpose: 'test' });
    appendAttemptEvent(store.db, a.id, {
      kind: 'sip',
      at: 5,
      direction: 'out',
      peer: 'udp:127.0.0.1:5060',
      summary: 'INVITE sip:1001@pbx',
      raw: 'INVITE sip:1001@pbx SIP/2.0\r\nProxy-Authorization: Digest username="fyrkant", realm="pbx", response="0123456789abcdef"\r\n\r\n',
    });
    appendAttemptEvent(store.db, a.id, { kind: 'dtmf', at: 6, direction: 'in', digit: '#', source: 'rfc4733' });
    const ev = listAttemptEvents(store.db, a.id);
    expect(ev.map((e) => e.kind)).toEqual(['state', 'sip', 'dtmf']);
    expect(ev[1]?.raw).toContain('Proxy-Authorization: Digest username="fyrkant", [REDACTED]');
    expect(ev[1]?.raw).not.toContain('0123456789abcdef');
    expect(ev[2]?.summary).toBe('DTMF # in (rfc4733)');
    expect(listAttemptEvents(store.db, a.id, { afterSeq: 2 }).map((e) => e.seq)).toEqual([3]);
  });

  it('ends attempts left unfinished by a crash as interrupted, and purges old traces', () => {
    const a = createAttempt(store.db, { purpose: 'test', at: 1 });
    transitionAttempt(store.db, a.id, { to: 'ringing', at: 2 });
    const done = createAttempt(store.db, { purpose: 'test', at: 1 });
    transitionAttempt(store.db, done.id, { to: 'ended', outcome: 'busy', at: 3 });
    expect(endUnfinishedAttempts(store.db, 10)).toBe(1);
    const after = getAttempt(store.db, a.id);
    expect([after?.state, after?.outcome, after?.reasonCode]).toEqual(['ended', 'interrupted', 'process-restart']);
    expect(purgeAttemptEvents(store.db, 5)).toBe(2);
    expect(listAttemptEvents(store.db, done.id)).toHaveLength(0);
    expect(listAttemptEvents(store.db, a.id)).toHaveLength(3);
  });
});

describe('audit log', () => {
  it('appends and filters entries', () => {
    audit(store.db, { actor: 'cli', action: 'user.create', target: 'user:1', detail: { username: 'x' }, at: 1 });
    audit(store.db, { actor: 'cli', action: 'user.delete', target: 'user:1', at: 2 });
    audit(store.db, { actor: 'apikey:7', action: 'user.create', target: 'user:2', at: 3 });
    expect(listAudit(store.db, { target: 'user:1' }).map((e) => e.action)).toEqual(['user.delete', 'user.create']);
    expect(listAudit(store.db, { action: 'user.create', since: 2 })[0]?.actor).toBe('apikey:7');
    expect(listAudit(store.db, { target: 'user:1' })[1]?.detail).toEqual({ username: 'x' });
  });
});
