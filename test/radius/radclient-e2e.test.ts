/**
 * The RADIUS door end to end with real peers: Debian's radclient against the app as `fyrkant serve`
 * builds it, with sipp as the office phone behind the trunk. Each answer is checked as radclient
 * decoded it (Reply-Message, State, Message-Authenticator), and each test counts the calls placed.
 */

import { nodeOf } from '../../src/app/node-runtime';
import { createApiKey, getUserByUsername, listAudit } from '../../src/store';
import { radclient } from '../support/peers/radclient';
import { ringOutScenario, timedInfoScenario } from '../support/peers/sipp-media-scenarios';
import { response, scenario } from '../support/peers/sipp-scenarios';
import { type RadiusRig, startRadiusRig } from './rig';

jest.setTimeout(240_000);

const SECRET = 'radius-e2e-secret-0123456789';
let rig: RadiusRig;

beforeAll(async () => {
  process.env.RADIUS_E2E_SECRET = SECRET;
  rig = await startRadiusRig({
    clients: [
      { name: 'vpn', address: '127.0.0.1', secretEnv: 'RADIUS_E2E_SECRET', mode: 'second-factor', allowedUsers: ['*'] },
      {
        name: 'portal',
        address: '127.0.0.3/32',
        secretEnv: 'RADIUS_E2E_SECRET',
        mode: 'challenge',
        allowedUsers: ['*'],
      },
      {
        name: 'old-gear',
        address: '127.0.0.4',
        secretEnv: 'RADIUS_E2E_SECRET',
        mode: 'second-factor',
        allowedUsers: ['*'],
        requireMessageAuthenticator: false,
      },
    ],
  });
});

afterAll(async () => {
  await rig?.stop();
});

/** Presses the keys (SIP INFO) every second from 6 s after the answer; the first press during the greeting counts. */
function pressing(signals: string[]): string {
  // Back to back within a burst (gap 0) keeps sipp's label count within its limit.
  const long = signals.length > 2;
  return timedInfoScenario(
    Array.from({ length: long ? 8 : 20 }, (_, i) => ({ waitMs: i === 0 ? 6000 : long ? 1500 : 1000, signals })),
    long ? 0 : 100,
  );
}

const BUSY = scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`);

function ask(
  user: string,
  extra: { source?: string; secret?: string; mac?: boolean; timeoutS?: number; tries?: number; state?: string } = {},
) {
  return radclient({
    server: rig.radius,
    secret: extra.secret ?? SECRET,
    attributes: {
      'User-Name': user,
      'NAS-Identifier': 'e2e-vpn',
      ...(extra.state ? { State: extra.state, 'User-Password': 'ok' } : {}),
    },
    ...(extra.source ? { source: extra.source } : {}),
    ...(extra.mac !== undefined ? { messageAuthenticator: extra.mac } : {}),
    timeoutS: extra.timeoutS ?? 60,
    tries: extra.tries ?? 1,
  });
}

describe('second-factor mode: call then accept', () => {
  it('# on the phone → Access-Accept with a Message-Authenticator, one call, audited with the attempt', async () => {
    const userId = await rig.user('anna');
    await rig.sipp(pressing(['#']));
    const r = await ask('anna');
    expect(r.code).toBe('Access-Accept');
    expect(r.messageAuthenticator).toBe(true);
    expect(r.replyMessage).toBe('Approved on your phone.');
    const attempts = rig.attempts(userId);
    expect(attempts.map((a) => [a.purpose, a.outcome, a.requestedBy])).toEqual([['sign-in', 'approved', 'radius:vpn']]);
    expect(await rig.metric('fyrkant_radius_accepts_total', { client: 'vpn' })).toBe(1);
    const [entry] = listAudit(rig.app.ctx.store.db, { action: 'radius.request', target: `attempt:${attempts[0]?.id}` });
    expect(entry).toMatchObject({
      actor: 'radius:vpn',
      detail: { client: 'vpn', username: 'anna', answer: 'Access-Accept', nas: 'e2e-vpn', messageAuthenticator: true },
    });
  });

  it('0# → Access-Reject saying the sign-in was reported, in the user’s language (sv)', async () => {
    const userId = await rig.user('bo', { language: 'sv-SE' });
    await rig.sipp(pressing(['0', '#']));
    const r = await ask('bo');
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe(
      'Inloggningen stoppades: du rapporterade den i telefonen. Din administratör har fått veta det.',
    );
    expect(rig.attempts(userId).map((a) => a.outcome)).toEqual(['fraud']);
  });

  it('486 → Access-Reject: the phone was busy', async () => {
    const userId = await rig.user('cia');
    const peer = await rig.sipp(BUSY);
    const r = await ask('cia');
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe('Your phone was busy. Please try again.');
    expect(rig.attempts(userId).map((a) => [a.outcome, a.sipStatus])).toEqual([['busy', 486]]);
    expect(await peer.finished()).toBe(0);
  });

  it('no answer (rings until fyrkant CANCELs) → Access-Reject: the phone did not answer', async () => {
    const userId = await rig.user('dan');
    const peer = await rig.sipp(ringOutScenario());
    const r = await ask('dan');
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe('Your phone did not answer. Please try again.');
    expect(rig.attempts(userId).map((a) => a.outcome)).toEqual(['no-answer']);
    expect(await peer.finished()).toBe(0);
  });

  it('an unknown username → Access-Reject without a call', async () => {
    const r = await ask('nobody');
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe('This account cannot be verified by phone. Contact your administrator.');
  });

  it('radclient retransmitting every 2 s while the call runs: exactly one call, the same answer', async () => {
    const userId = await rig.user('eva');
    await rig.sipp(pressing(['#']));
    const before = await rig.metric('fyrkant_radius_duplicates_total', { client: 'vpn' });
    const r = await ask('eva', { timeoutS: 2, tries: 30 });
    expect(r.code).toBe('Access-Accept');
    expect(rig.attempts(userId)).toHaveLength(1);
    // The call takes several seconds after the answer: radclient resent the request meanwhile.
    expect(r.sent).toBeGreaterThan(1);
    expect(await rig.metric('fyrkant_radius_duplicates_total', { client: 'vpn' })).toBe(before + r.sent - 1);
  });
});

describe('BlastRADIUS and unknown clients: no call, no answer', () => {
  it('wrong shared secret → dropped as bad-authenticator', async () => {
    const userId = await rig.user('fia');
    const before = await rig.metric('fyrkant_radius_drops_total', { reason: 'bad-authenticator' });
    const r = await ask('fia', { secret: 'not-the-secret-at-all-0000', timeoutS: 1, tries: 2 });
    expect(r.code).toBeNull();
    expect(rig.attempts(userId)).toHaveLength(0);
    expect(await rig.metric('fyrkant_radius_drops_total', { reason: 'bad-authenticator' })).toBe(before + 2);
  });

  it('no Message-Authenticator → dropped', async () => {
    const userId = await rig.user('gun');
    const r = await ask('gun', { mac: false, timeoutS: 1, tries: 1 });
    expect(r.code).toBeNull();
    expect(rig.attempts(userId)).toHaveLength(0);
    expect(
      await rig.metric('fyrkant_radius_drops_total', { reason: 'missing-message-authenticator', client: 'vpn' }),
    ).toBe(1);
  });

  it('an address that is not a configured client → dropped', async () => {
    const userId = await rig.user('hans');
    const r = await ask('hans', { source: '127.0.0.2', timeoutS: 1, tries: 1 });
    expect(r.code).toBeNull();
    expect(rig.attempts(userId)).toHaveLength(0);
    expect(await rig.metric('fyrkant_radius_drops_total', { reason: 'unknown-client', client: 'unknown' })).toBe(1);
  });

  it('a client switched to tolerate old gear is answered without Message-Authenticator (and still sent one)', async () => {
    const r = await ask('nobody-old', { source: '127.0.0.4', mac: false, timeoutS: 5, tries: 1 });
    expect(r.code).toBe('Access-Reject');
    expect(r.messageAuthenticator).toBe(true);
  });
});

describe('challenge mode', () => {
  it('with a PIN script: Access-Challenge asks for the PIN on the phone; the second request completes', async () => {
    const userId = await rig.user('ida', { pin: '4711' });
    const peer = await rig.sipp(pressing(['4', '7', '1', '1', '#']));
    const first = await ask('ida', { source: '127.0.0.3', timeoutS: 10 });
    expect(first.code).toBe('Access-Challenge');
    expect(first.replyMessage).toBe(
      'Answer your office phone and enter your PIN followed by # (pound). Then continue here.',
    );
    expect(first.state).toMatch(/^0x[0-9a-f]{32}$/);
    const second = await ask('ida', { source: '127.0.0.3', state: first.state ?? '' });
    // radclient's own words on failure (what it received, or that it got nothing).
    expect({ code: second.code, output: second.code === 'Access-Accept' ? '' : second.output }).toEqual({
      code: 'Access-Accept',
      output: '',
    });
    expect(rig.attempts(userId).map((a) => [a.outcome, a.scriptId])).toEqual([['approved', 'pin-verify']]);
    // A State is good once.
    const again = await ask('ida', { source: '127.0.0.3', state: first.state ?? '', timeoutS: 5 });
    expect(again.code).toBe('Access-Reject');
    expect(again.replyMessage).toBe('The sign-in took too long. Please start again.');
    await peer.stop();
  });
});

describe('admin page', () => {
  async function adminCookie(): Promise<string> {
    const key = createApiKey(rig.app.ctx.store.db, { name: 'radius-admin', scopes: ['admin'] }).key;
    const login = await fetch(`${rig.app.url}/admin/login`);
    const loginCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
    const ok = await fetch(`${rig.app.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie, origin: rig.app.url },
      body: new URLSearchParams({ _csrf: token, key }).toString(),
    });
    return (ok.headers.getSetCookie().find((c) => c.startsWith('fyrkant_admin=')) ?? '').split(';')[0] ?? '';
  }

  it('lists the clients (no secrets) and recent requests linked to their attempts, in Swedish and English', async () => {
    const cookie = await adminCookie();
    expect(cookie).toMatch(/^fyrkant_admin=/);
    const en = await fetch(`${rig.app.url}/admin/radius`, { headers: { cookie, 'accept-language': 'en' } });
    expect(en.status).toBe(200);
    const page = await en.text();
    expect(page).toContain(`Listening on UDP ${rig.radius}.`);
    for (const name of ['vpn', 'portal', 'old-gear']) expect(page).toContain(`>${name}</th>`);
    expect(page).toContain('Not required (BlastRADIUS risk)');
    expect(page).toContain('env RADIUS_E2E_SECRET');
    expect(page).not.toContain(SECRET);
    const anna = rig.attempts(getUserByUsername(rig.app.ctx.store.db, 'anna')?.id ?? '');
    expect(page).toContain(`href="/admin/attempts/${anna[0]?.id}"`);
    const sv = await (
      await fetch(`${rig.app.url}/admin/radius`, { headers: { cookie, 'accept-language': 'sv' } })
    ).text();
    expect(sv).toContain('Senaste förfrågningar');
    expect(sv).toContain('Andra faktor (samtal, sedan godkänt)');
  });
});

// Last: draining is one-way for this app (in `serve` the process then exits).
describe('while the node drains', () => {
  it('no answer at all, so the NAS asks its other server; no call, nothing recorded, counted', async () => {
    const userId = await rig.user('jonna');
    const node = nodeOf(rig.app.ctx);
    // Not awaited: that resolves once the calls of earlier tests have ended; draining starts at once.
    void node.drain({ kind: 'request', by: 'radclient-e2e' });
    expect(node.isDraining).toBe(true);
    const r = await ask('jonna', { timeoutS: 1, tries: 2 });
    // radclient's own account: it sent the request and its retransmission and heard nothing back.
    expect({ code: r.code, sent: r.sent }).toEqual({ code: null, sent: 2 });
    expect(rig.attempts(userId)).toHaveLength(0);
    expect(await rig.metric('fyrkant_radius_drops_total', { reason: 'draining', client: 'vpn' })).toBe(2);
    expect(listAudit(rig.app.ctx.store.db, { action: 'radius.request' }).map((e) => e.detail)).not.toContainEqual(
      expect.objectContaining({ username: 'jonna' }),
    );
  });
});
