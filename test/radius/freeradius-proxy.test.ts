/**
 * A real FreeRADIUS proxying a realm to fyrkant (the privacyIDEA / Duo pattern): radclient asks
 * FreeRADIUS for `user@fyrkant.test`, FreeRADIUS proxies to fyrkant's RADIUS door (adding its
 * Proxy-State and a Message-Authenticator), and fyrkant's Accept or Reject — with Reply-Message —
 * comes back through it. fyrkant requires the Message-Authenticator here (the default), so the
 * proxied requests carried a valid one.
 */
import { type FreeRadiusPeer, startFreeRadius } from '../support/peers/freeradius';
import { radclient } from '../support/peers/radclient';
import { timedInfoScenario } from '../support/peers/sipp-media-scenarios';
import { response, scenario } from '../support/peers/sipp-scenarios';
import { type RadiusRig, startRadiusRig } from './rig';

jest.setTimeout(180_000);

const HOME_SECRET = 'fyrkant-home-server-secret-01';
const FRONT_SECRET = 'front-secret-for-radclient-01';
let rig: RadiusRig;
let fr: FreeRadiusPeer;

beforeAll(async () => {
  process.env.RADIUS_PROXY_SECRET = HOME_SECRET;
  rig = await startRadiusRig({
    clients: [
      {
        name: 'freeradius',
        address: '127.0.0.1',
        secretEnv: 'RADIUS_PROXY_SECRET',
        mode: 'second-factor',
        allowedUsers: ['*'],
      },
    ],
  });
  const [host, port] = rig.radius.split(':');
  fr = await startFreeRadius({
    frontSecret: FRONT_SECRET,
    realm: 'fyrkant.test',
    home: { address: host ?? '127.0.0.1', port: Number(port), secret: HOME_SECRET },
  });
});

afterAll(async () => {
  await fr?.stop();
  await rig?.stop();
});

const ask = (user: string) =>
  radclient({
    server: fr.server,
    secret: FRONT_SECRET,
    attributes: { 'User-Name': user, 'User-Password': 'not-used' },
    timeoutS: 60,
  });

describe('FreeRADIUS proxying a realm to fyrkant', () => {
  it('# on the phone: Access-Accept passes through, with fyrkant’s Reply-Message', async () => {
    const userId = await rig.user('anna');
    await rig.sipp(
      timedInfoScenario(
        Array.from({ length: 20 }, (_, i) => ({ waitMs: i === 0 ? 6000 : 1000, signals: ['#'] })),
        100,
      ),
    );
    const r = await ask('anna@fyrkant.test');
    if (r.code !== 'Access-Accept') console.log(r.output, fr.output());
    expect(r.code).toBe('Access-Accept');
    expect(r.replyMessage).toBe('Approved on your phone.');
    expect(rig.attempts(userId).map((a) => [a.outcome, a.requestedBy])).toEqual([['approved', 'radius:freeradius']]);
  });

  it('busy: Access-Reject passes through, with the reason', async () => {
    const userId = await rig.user('bo');
    await rig.sipp(
      scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`),
    );
    const r = await ask('bo@fyrkant.test');
    expect(r.code).toBe('Access-Reject');
    expect(r.replyMessage).toBe('Your phone was busy. Please try again.');
    expect(rig.attempts(userId).map((a) => a.outcome)).toEqual(['busy']);
  });
});
