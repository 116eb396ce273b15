/**
 * The RADIUS server and door with fakes (verifier, users, password checker) and a fake clock: exact
 * timing (retransmissions every 3 s for 40 s, the 10 s duplicate window, the answer timeout) without
 * waiting, and datagram handling that never throws.
 */
import fc from 'fast-check';
import pino from 'pino';
import { Registry } from 'prom-client';
import radius from 'radius';
import { ClientTable, type RadiusClient } from '../../src/radius/clients';
import { RadiusDoor } from '../../src/radius/door';
import { createRadiusMetrics, type RadiusMetrics } from '../../src/radius/metrics';
import type {
  DoorUser,
  PasswordChecker,
  SignInVerifier,
  StartedVerification,
  VerificationEnd,
} from '../../src/radius/ports';
import { RadiusServer } from '../../src/radius/server';
import { FakeClock } from '../support/fake-clock';

const SECRET = 'server-test-secret-0123';
const FROM = { address: '10.1.2.3', port: 40000 };

function client(over: Partial<RadiusClient> = {}): RadiusClient {
  return {
    name: 'vpn',
    address: '10.1.2.0/24',
    mode: 'second-factor',
    allowedUsers: ['*'],
    stripRealm: false,
    requireMessageAuthenticator: true,
    secretSource: 'env X',
    secret: SECRET,
    ...over,
  };
}

/** A verifier whose calls end when the test says (or at a fake-clock time). */
class FakeVerifier implements SignInVerifier {
  readonly started: {
    userId: string;
    requestedBy: string;
    end: (e: Omit<VerificationEnd, 'attemptId'>) => void;
    cancelled: boolean;
  }[] = [];
  refuse: { outcome: string; reasonCode: string } | undefined;
  /** The node is draining: the service takes no new calls (its one rule, in the verification service). */
  draining = false;

  start(r: { userId: string; requestedBy: string }): StartedVerification {
    if (this.draining) return { status: 'unavailable', reasonCode: 'node-draining' };
    if (this.refuse) return { status: 'refused', attemptId: 'denied-1', ...this.refuse };
    const attemptId = `attempt-${this.started.length + 1}`;
    let end!: (e: Omit<VerificationEnd, 'attemptId'>) => void;
    const result = new Promise<VerificationEnd>((resolve) => {
      end = (e) => resolve({ attemptId, ...e });
    });
    const entry = { ...r, end, cancelled: false };
    this.started.push(entry);
    return {
      status: 'started',
      attemptId,
      result,
      cancel: () => {
        entry.cancelled = true;
        end({ outcome: 'cancelled', reasonCode: 'cancelled' });
      },
    };
  }
}

const USERS: Record<string, DoorUser> = {
  anna: { id: 'u-anna', username: 'anna', language: 'en-US', pinMode: false },
  bo: { id: 'u-bo', username: 'bo', language: 'sv-SE', pinMode: true },
};

interface Rig {
  clock: FakeClock;
  verifier: FakeVerifier;
  server: RadiusServer;
  metrics: RadiusMetrics;
  registry: Registry;
  door: RadiusDoor;
  sent: Buffer[];
  send(p: Buffer, from?: { address: string; port: number }): void;
}

function rig(clients: RadiusClient[] = [client()], passwords?: PasswordChecker): Rig {
  const clock = new FakeClock();
  const verifier = new FakeVerifier();
  const registry = new Registry();
  const metrics = createRadiusMetrics(registry);
  const door = new RadiusDoor({
    users: { findByUsername: (n) => USERS[n] },
    verifier,
    ...(passwords ? { passwords } : {}),
    clock,
    answerTimeoutMs: 120_000,
    challengeTtlMs: 300_000,
    defaultLanguage: 'en-US',
  });
  const server = new RadiusServer({
    clients: new ClientTable(clients),
    door,
    metrics,
    log: pino({ level: 'silent' }),
    clock,
    duplicateWindowMs: 10_000,
  });
  const sent: Buffer[] = [];
  return {
    clock,
    verifier,
    server,
    metrics,
    registry,
    door,
    sent,
    send: (p, from = FROM) => server.handle(p, from, (b) => sent.push(b)),
  };
}

function accessRequest(attrs: [string | number, unknown][], o: { id?: number; mac?: boolean; secret?: string } = {}) {
  return radius.encode({
    code: 'Access-Request',
    identifier: o.id ?? 7,
    secret: o.secret ?? SECRET,
    attributes: attrs,
    add_message_authenticator: o.mac ?? true,
  });
}

function answerOf(p: Buffer | undefined) {
  if (!p) return undefined;
  const d = radius.decode({ packet: p, secret: SECRET });
  const msg = d.attributes['Reply-Message'];
  return {
    code: d.code,
    replyMessage: Array.isArray(msg) ? msg.join('') : msg,
    state: d.attributes.State as Buffer | undefined,
  };
}

const flush = () => new Promise((r) => setImmediate(r));

async function value(r: Rig, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await r.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, string>)[k] === x))
    .reduce((s, v) => s + v.value, 0);
}

describe('retransmissions (fake clock)', () => {
  it('every 3 s for 40 s while the call runs 35 s: exactly one call, one answer, the same bytes to later retries', async () => {
    const r = rig();
    const p = accessRequest([['User-Name', 'anna']]);
    // The phone is answered and # pressed 35 s after the request.
    r.clock.setTimer(() => r.verifier.started[0]?.end({ outcome: 'approved', reasonCode: 'script-approved' }), 35_000);
    for (let t = 0; t <= 39_000; t += 3000) {
      r.clock.advance(t - (r.clock.now() - 1000));
      await flush();
      r.send(p);
      await flush();
    }
    expect(r.verifier.started).toHaveLength(1);
    // Answered at 35 s, then the retransmissions at 36 s and 39 s got the cached answer.
    expect(r.sent).toHaveLength(3);
    expect(r.sent[1]).toEqual(r.sent[0]);
    expect(r.sent[2]).toEqual(r.sent[0]);
    expect(answerOf(r.sent[0])?.code).toBe('Access-Accept');
    expect(await value(r, 'fyrkant_radius_duplicates_total')).toBe(13);
    expect(await value(r, 'fyrkant_radius_requests_total')).toBe(1);
    expect(await value(r, 'fyrkant_radius_accepts_total')).toBe(1);
  });

  it('the duplicate window is 10 s after the answer: inside it the same answer, after it a new request', async () => {
    const r = rig();
    const p = accessRequest([['User-Name', 'anna']]);
    r.send(p);
    r.verifier.started[0]?.end({ outcome: 'busy', reasonCode: 'sip-486' });
    await flush();
    expect(r.sent).toHaveLength(1);
    r.clock.advance(9_999);
    r.send(p);
    expect(r.sent).toHaveLength(2);
    expect(r.verifier.started).toHaveLength(1);
    r.clock.advance(2);
    r.send(p);
    await flush();
    expect(r.verifier.started).toHaveLength(2);
  });

  it('a different identifier or authenticator from the same client is a new request', async () => {
    const r = rig();
    r.send(accessRequest([['User-Name', 'anna']], { id: 1 }));
    r.send(accessRequest([['User-Name', 'anna']], { id: 1 })); // new random Request Authenticator
    r.send(accessRequest([['User-Name', 'anna']], { id: 2 }));
    expect(r.verifier.started).toHaveLength(3);
  });
});

describe('the door’s modes', () => {
  it('second-factor: Reply-Message per outcome, in the user’s language', async () => {
    const r = rig();
    r.send(accessRequest([['User-Name', 'bo']]));
    r.verifier.started[0]?.end({ outcome: 'no-answer', reasonCode: 'no-answer' });
    await flush();
    expect(answerOf(r.sent[0])).toMatchObject({
      code: 'Access-Reject',
      replyMessage: 'Din telefon svarade inte. Försök igen.',
    });
    expect(r.verifier.started[0]?.requestedBy).toBe('radius:vpn');
  });

  it('a refused call (policy) is rejected at once', async () => {
    const r = rig();
    r.verifier.refuse = { outcome: 'policy-denied', reasonCode: 'country-not-allowed' };
    r.send(accessRequest([['User-Name', 'anna']]));
    await flush();
    expect(answerOf(r.sent[0])).toMatchObject({
      code: 'Access-Reject',
      replyMessage: 'Your phone number may not be called. Contact your administrator.',
    });
  });

  it('a user the client may not verify gets the unknown-user answer and no call', async () => {
    const r = rig([client({ allowedUsers: ['bo'] })]);
    r.send(accessRequest([['User-Name', 'anna']]));
    await flush();
    expect(r.verifier.started).toHaveLength(0);
    expect(answerOf(r.sent[0])?.code).toBe('Access-Reject');
  });

  it('stripRealm: anna@example.com and EXAMPLE\\anna are anna', async () => {
    const r = rig([client({ stripRealm: true })]);
    r.send(accessRequest([['User-Name', 'anna@example.com']], { id: 1 }));
    r.send(accessRequest([['User-Name', 'EXAMPLE\\anna']], { id: 2 }));
    expect(r.verifier.started.map((s) => s.userId)).toEqual(['u-anna', 'u-anna']);
  });

  it('the answer timeout rejects and stops the call', async () => {
    const r = rig();
    r.send(accessRequest([['User-Name', 'anna']]));
    r.clock.advance(119_999);
    await flush();
    expect(r.sent).toHaveLength(0);
    r.clock.advance(1);
    await flush();
    expect(r.verifier.started[0]?.cancelled).toBe(true);
    expect(answerOf(r.sent[0])).toMatchObject({
      code: 'Access-Reject',
      replyMessage: 'No answer from the phone in time. Please try again.',
    });
  });

  it('password-then-call: a wrong password places no call; the right one does', async () => {
    const checked: string[] = [];
    const r = rig([client({ mode: 'password-then-call' })], {
      check: async (u, p) => {
        checked.push(`${u}:${p}`);
        return p === 'rätt' ? 'ok' : 'wrong';
      },
    });
    r.send(
      accessRequest(
        [
          ['User-Name', 'anna'],
          ['User-Password', 'fel'],
        ],
        { id: 1 },
      ),
    );
    await flush();
    expect(answerOf(r.sent[0])).toMatchObject({ code: 'Access-Reject', replyMessage: 'Wrong user name or password.' });
    expect(r.verifier.started).toHaveLength(0);
    r.send(
      accessRequest(
        [
          ['User-Name', 'anna'],
          ['User-Password', 'rätt'],
        ],
        { id: 2 },
      ),
    );
    await flush();
    expect(r.verifier.started).toHaveLength(1);
    expect(checked).toEqual(['anna:fel', 'anna:rätt']);
    // An unknown user reads like a wrong password and is never looked up in the directory.
    r.send(
      accessRequest(
        [
          ['User-Name', 'nobody'],
          ['User-Password', 'rätt'],
        ],
        { id: 3 },
      ),
    );
    await flush();
    expect(answerOf(r.sent[1])).toMatchObject({ code: 'Access-Reject', replyMessage: 'Wrong user name or password.' });
    expect(checked).toHaveLength(2);
  });

  it('challenge: State is bound to the client and user, good once, and expires', async () => {
    const r = rig([
      client({ mode: 'challenge' }),
      client({ name: 'other', address: '10.9.0.0/16', mode: 'challenge' }),
    ]);
    r.send(accessRequest([['User-Name', 'bo']], { id: 1 }));
    await flush();
    const ch = answerOf(r.sent[0]);
    expect(ch?.code).toBe('Access-Challenge');
    expect(ch?.replyMessage).toBe(
      'Svara i din kontorstelefon och ange din PIN-kod följd av fyrkant (#). Fortsätt sedan här.',
    );
    const state = ch?.state as Buffer;
    // Another client, or another user, cannot use it.
    r.send(
      accessRequest(
        [
          ['User-Name', 'bo'],
          ['State', state],
        ],
        { id: 2 },
      ),
      { address: '10.9.1.1', port: 1 },
    );
    r.send(
      accessRequest(
        [
          ['User-Name', 'anna'],
          ['State', state],
        ],
        { id: 3 },
      ),
    );
    await flush();
    expect(r.sent.slice(1).map((p) => answerOf(p)?.replyMessage)).toEqual([
      'The sign-in took too long. Please start again.',
      'The sign-in took too long. Please start again.',
    ]);
    r.send(
      accessRequest(
        [
          ['User-Name', 'bo'],
          ['State', state],
        ],
        { id: 4 },
      ),
    );
    await flush();
    expect(r.sent).toHaveLength(3); // held until the call ends
    r.verifier.started[0]?.end({ outcome: 'approved', reasonCode: 'script-pin-ok' });
    await flush();
    expect(answerOf(r.sent[3])?.code).toBe('Access-Accept');
    expect(r.verifier.started).toHaveLength(1);
    r.send(
      accessRequest(
        [
          ['User-Name', 'bo'],
          ['State', state],
        ],
        { id: 5 },
      ),
    );
    await flush();
    expect(answerOf(r.sent[4])?.code).toBe('Access-Reject');
    // An unanswered challenge is forgotten after its TTL.
    r.send(accessRequest([['User-Name', 'anna']], { id: 6 }));
    await flush();
    expect(r.door.pendingChallenges).toBe(1);
    r.clock.advance(300_001);
    r.send(accessRequest([['User-Name', 'nobody']], { id: 7 }));
    await flush();
    expect(r.door.pendingChallenges).toBe(0);
  });
});

describe('what is dropped, and counted', () => {
  it('unknown client, bad secret, missing Message-Authenticator, other codes, malformed', async () => {
    const r = rig();
    r.send(accessRequest([['User-Name', 'anna']]), { address: '10.1.3.1', port: 1 });
    r.send(accessRequest([['User-Name', 'anna']], { secret: 'some-other-secret-123' }));
    r.send(accessRequest([['User-Name', 'anna']], { mac: false }));
    r.send(radius.encode({ code: 'Accounting-Request', secret: SECRET, attributes: [['User-Name', 'anna']] }));
    r.send(Buffer.from([1, 2, 0, 25, 1, 2, 3]));
    await flush();
    expect(r.sent).toHaveLength(0);
    expect(r.verifier.started).toHaveLength(0);
    for (const reason of [
      'unknown-client',
      'bad-authenticator',
      'missing-message-authenticator',
      'unsupported-code',
      'malformed',
    ])
      expect([reason, await value(r, 'fyrkant_radius_drops_total', { reason })]).toEqual([reason, 1]);
  });

  it('while the node drains: no answer at all (the NAS asks its other server), counted, retransmissions too', async () => {
    const r = rig();
    r.verifier.draining = true;
    const request = accessRequest([['User-Name', 'anna']], { id: 42 });
    r.send(request);
    await flush();
    r.clock.advance(3_000);
    r.send(request); // the NAS's retransmission: not answered from the duplicate cache either
    await flush();
    expect(r.sent).toHaveLength(0);
    expect(await value(r, 'fyrkant_radius_drops_total', { reason: 'draining', client: 'vpn' })).toBe(2);
    expect(await value(r, 'fyrkant_radius_rejects_total')).toBe(0);
    r.verifier.draining = false; // (a node that stopped draining) the same request is then answered
    r.send(request);
    r.verifier.started[0]?.end({ outcome: 'approved', reasonCode: 'pound' });
    await flush();
    expect(answerOf(r.sent[0])?.code).toBe('Access-Accept');
  });

  it('a client allowed to skip Message-Authenticator is answered (with one)', async () => {
    const r = rig([client({ requireMessageAuthenticator: false })]);
    r.send(accessRequest([['User-Name', 'nobody']], { mac: false }));
    await flush();
    expect(answerOf(r.sent[0])?.code).toBe('Access-Reject');
    expect(r.sent[0]?.includes(Buffer.from([80, 18]))).toBe(true);
  });

  it('never throws, whatever the bytes (property, 2000 runs); a valid request still works after', async () => {
    const r = rig([client({ requireMessageAuthenticator: false })]);
    const base = accessRequest([
      ['User-Name', 'nobody'],
      ['User-Password', 'x'],
      [33, Buffer.from('ps')],
    ]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 4200 }).map((a) => Buffer.from(a)),
          fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
            const q = Buffer.from(base);
            q[i] = b;
            return q;
          }),
          fc.uint8Array({ minLength: 0, maxLength: 300 }).map((tail) => {
            const q = Buffer.concat([base.subarray(0, 20), Buffer.from(tail)]);
            q.writeUInt16BE(Math.min(q.length, 4096), 2);
            return q;
          }),
        ),
        (datagram) => {
          expect(() => r.send(datagram)).not.toThrow();
        },
      ),
      { numRuns: 2000 },
    );
    await r.server.whenIdle();
    const before = r.sent.length;
    r.send(accessRequest([['User-Name', 'anna']], { id: 99 }));
    r.verifier.started.at(-1)?.end({ outcome: 'approved', reasonCode: 'x' });
    await flush();
    expect(answerOf(r.sent[before])?.code).toBe('Access-Accept');
  });
});
