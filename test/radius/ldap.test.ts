/**
 * password-then-call against a real OpenLDAP slapd (started here, own config, free port): the
 * password check itself (bind DN template, search with a service account, filter injection,
 * unreachable directory), then radclient through the app: a wrong password places no call.
 */
import pino from 'pino';
import { type LdapOptions, LdapPasswordChecker } from '../../src/radius/ldap';
import { radclient } from '../support/peers/radclient';
import { timedInfoScenario } from '../support/peers/sipp-media-scenarios';
import {
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  personLdif,
  type SlapdPeer,
  startSlapd,
} from '../support/peers/slapd';
import { freePort } from '../support/ports';
import { type RadiusRig, startRadiusRig } from './rig';

jest.setTimeout(180_000);

const SECRET = 'radius-ldap-secret-0123456789';
let slapd: SlapdPeer;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.add(`${personLdif('anna', 'Rätt-lösen-1')}\n${personLdif('bo', 'bos-password')}`);
});

afterAll(async () => {
  await slapd?.stop();
});

function checker(o: Partial<LdapOptions>): LdapPasswordChecker {
  return new LdapPasswordChecker(
    {
      url: slapd.url,
      bindDnTemplate: null,
      searchBase: null,
      searchFilter: '(uid={username})',
      searchBindDn: null,
      searchBindPassword: null,
      timeoutMs: 5000,
      ...o,
    },
    log,
  );
}

describe('LDAP password check against slapd', () => {
  it('bind DN template: right password ok, wrong password and unknown user wrong', async () => {
    const c = checker({ bindDnTemplate: `uid={username},ou=people,${LDAP_SUFFIX}` });
    expect(await c.check('anna', 'Rätt-lösen-1')).toBe('ok');
    expect(await c.check('anna', 'fel')).toBe('wrong');
    expect(await c.check('nobody', 'Rätt-lösen-1')).toBe('wrong');
    // An empty password would be an unauthenticated bind that "succeeds".
    expect(await c.check('anna', '')).toBe('wrong');
    // DN injection: the username is escaped, so it cannot name another entry.
    expect(await c.check('anna,ou=people', 'Rätt-lösen-1')).toBe('wrong');
  });

  it('search as a service account, with the filter value escaped', async () => {
    const c = checker({
      searchBase: `ou=people,${LDAP_SUFFIX}`,
      searchBindDn: LDAP_ROOT_DN,
      searchBindPassword: LDAP_ROOT_PASSWORD,
    });
    expect(await c.check('bo', 'bos-password')).toBe('ok');
    expect(await c.check('bo', 'anna-s')).toBe('wrong');
    // "*" would match every entry if not escaped; escaped it matches none.
    expect(await c.check('*', 'bos-password')).toBe('wrong');
    expect(await c.check('b*', 'bos-password')).toBe('wrong');
  });

  it('a directory that does not answer is an error, never a pass', async () => {
    const c = new LdapPasswordChecker(
      {
        url: `ldap://127.0.0.1:${await freePort()}`,
        bindDnTemplate: `uid={username},ou=people,${LDAP_SUFFIX}`,
        searchBase: null,
        searchFilter: '(uid={username})',
        searchBindDn: null,
        searchBindPassword: null,
        timeoutMs: 2000,
      },
      log,
    );
    expect(await c.check('anna', 'Rätt-lösen-1')).toHaveProperty('error');
  });
});

describe('password-then-call with radclient', () => {
  let rig: RadiusRig;

  beforeAll(async () => {
    process.env.RADIUS_LDAP_SECRET = SECRET;
    rig = await startRadiusRig({
      ldap: { url: slapd.url, bindDnTemplate: `uid={username},ou=people,${LDAP_SUFFIX}` },
      clients: [
        {
          name: 'vpn-pw',
          address: '127.0.0.1',
          secretEnv: 'RADIUS_LDAP_SECRET',
          mode: 'password-then-call',
          allowedUsers: ['*'],
        },
      ],
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const ask = (user: string, password: string) =>
    radclient({
      server: rig.radius,
      secret: SECRET,
      attributes: { 'User-Name': user, 'User-Password': password },
      timeoutS: 60,
    });

  it('wrong password → Access-Reject, no call', async () => {
    const userId = await rig.user('anna');
    const r = await ask('anna', 'fel-lösen');
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe('Wrong user name or password.');
    expect(rig.attempts(userId)).toHaveLength(0);
  });

  it('right password → the call; # → Access-Accept', async () => {
    const userId = await rig.user('bo');
    await rig.sipp(
      timedInfoScenario(
        Array.from({ length: 20 }, (_, i) => ({ waitMs: i === 0 ? 6000 : 1000, signals: ['#'] })),
        100,
      ),
    );
    const r = await ask('bo', 'bos-password');
    // Both at once, so a failure shows what the call ended with (and radclient's words).
    expect({
      code: r.code,
      outcomes: rig.attempts(userId).map((a) => `${a.outcome} ${a.reasonCode} ${a.digitsReceived}`),
      output: r.code === 'Access-Accept' ? '' : r.output,
    }).toEqual({ code: 'Access-Accept', outcomes: ['approved script-approved #'], output: '' });
  });
});
