/**
 * RFC 4475 (SIP torture test messages), every message of §3: the parser's verdict and values, then the
 * live UA's answer to each datagram (400/505 with a reason where a response can be sent, else dropped
 * and counted; application-layer answers per RFC 3261 §8.2).
 */
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import {
  parseMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  unescapePercent,
} from '../../src/telephony/embedded/sip/message';
import { makeUa, waitFor } from './support/ua';

const DIR = join(__dirname, '..', 'fixtures', 'rfc4475');
const load = (name: string) => readFileSync(join(DIR, `${name}.dat`));

function ok(name: string): SipMessage {
  const r = parseMessage(load(name));
  if (!r.ok) throw new Error(`${name}: expected valid, got ${r.status} ${r.reason}`);
  return r.message;
}
const req = (name: string) => ok(name) as SipRequest;
const res = (name: string) => ok(name) as SipResponse;

const VALID = [
  'wsinv',
  'intmeth',
  'esc01',
  'escnull',
  'esc02',
  'lwsdisp',
  'longreq',
  'dblreq',
  'semiuri',
  'transports',
  'mpart01',
  'unreason',
  'noreason',
  'badbranch',
  'unkscm',
  'novelsc',
  'unksm2',
  'bext01',
  'invut',
  'regaut01',
  'bcast',
  'zeromf',
  'cparam01',
  'cparam02',
  'regescrt',
  'sdp01',
  'inv2543',
];
/** Invalid messages: the status we answer with, or 'drop' for responses we cannot answer. */
const INVALID: Record<string, 400 | 505 | 'drop'> = {
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: 'drop',
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  baddate: 400,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 400,
  bigcode: 'drop',
  insuf: 400,
  multi01: 400,
  mcl01: 400,
};

describe('RFC 4475 fixtures', () => {
  it('has all 49 messages of §3, each classified here', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.dat'))
      .map((f) => f.slice(0, -4))
      .sort();
    expect(files).toHaveLength(49);
    expect([...VALID, ...Object.keys(INVALID)].sort()).toEqual(files);
  });

  it.each(VALID)('%s parses', (name) => {
    expect(parseMessage(load(name)).ok).toBe(true);
  });

  it.each(Object.entries(INVALID))('%s is rejected (%s)', (name, expected) => {
    const r = parseMessage(load(name));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    if (expected === 'drop') expect(r.request).toBeUndefined();
    else {
      expect(r.status).toBe(expected);
      expect(r.request).toBeDefined();
    }
  });
});

describe('RFC 4475 §3.1.1 valid messages: values as the RFC explains them', () => {
  it('wsinv: folding, odd whitespace, compact forms, escaped quotes', () => {
    const m = req('wsinv');
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:vivekg@chair-dnrc.example.com;unknownparam');
    expect(m.toAddr()?.tag).toBe('1918181833n');
    expect(m.toAddr()?.uri).toMatchObject({ user: 'vivekg', host: 'chair-dnrc.example.com' });
    expect(m.fromAddr()?.displayName).toBe('J Rosenberg \\"');
    expect(m.fromTag).toBe('98asjd8');
    expect(m.get('max-forwards')).toBe('0068');
    expect(m.callId).toBe('wsinv.ndaksdj@192.0.2.1');
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    const vias = m.viaList();
    expect(vias.map((v) => [v?.transport, v?.host, v?.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.get('s')).toBe('');
    expect(m.get('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(m.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    const c = m.contacts()[0]!;
    expect(c.displayName).toBe('Quoted string ""');
    expect(c.uri.text).toBe('sip:jdrosen@example.com');
    expect(Object.fromEntries(c.params)).toEqual({ newparam: 'newvalue', secondparam: null, q: '0.33' });
    const route = m.routes()[0]?.uri;
    expect(route?.kind === 'sip' && route.params.has('lr')).toBe(true);
    expect(m.body.length).toBe(150);
    expect(m.contentType).toBe('application/sdp');
  });

  it('intmeth: every token character in method, URI user/password, display name, tag', () => {
    const m = req('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const u = m.requestUri();
    expect(u).toMatchObject({
      kind: 'sip',
      user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
      password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
      host: 'example.com',
    });
    expect(m.toAddr()?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(m.fromAddr()?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.fromTag).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(m.cseq.method).toBe(m.method);
    // UTF-8 (with a BOM) in an extension header value: 大停電
    expect(m.get("extensionHeader-!.%*+_`'~")).toBe('\ufeff\u5927\u505c\u96fb');
  });

  it('esc01: escapes in URIs are equivalent to their characters', () => {
    const m = req('esc01');
    const u = m.requestUri();
    expect(u?.kind === 'sip' && unescapePercent(u.user ?? '')).toBe('sips:user@example.com');
    const to = m.toAddr()?.uri;
    expect(to?.kind === 'sip' && unescapePercent(to.user ?? '')).toBe('user');
    const from = m.fromAddr()?.uri;
    expect(from?.kind === 'sip' && unescapePercent(from.user ?? '')).toBe('I have spaces');
    const c = m.contacts()[0]?.uri;
    expect(c?.kind === 'sip' && Object.fromEntries(c.params)).toEqual({ lr: null, name: 'value%41' });
    expect(m.contentType).toBe('application/sdp'); // compact `C:` (case-insensitive)
    expect(m.callId).toBe('esc01.239409asdfakjkn23onasd0-3234');
  });

  it('escnull: escaped NULs in users', () => {
    const m = req('escnull');
    const to = m.toAddr()?.uri;
    expect(to?.kind === 'sip' && unescapePercent(to.user ?? '')).toBe('null-\x00-null');
    expect(m.contacts()).toHaveLength(2);
    expect(m.contentLength).toBe(0);
  });

  it('esc02: an escaped method name is another (unknown) method; C%6Fntact is not Contact', () => {
    const m = req('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.contacts()).toHaveLength(2);
    expect(m.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    expect(m.toAddr()?.displayName).toBe('%Z%45');
  });

  it('lwsdisp: no LWS between display name and <', () => {
    expect(req('lwsdisp').fromAddr()?.displayName).toBe('caller');
  });

  it('longreq: long values survive', () => {
    const m = req('longreq');
    expect(m.toAddr()?.displayName).toMatch(/^I have a user name of (extreme)+ proportion$/);
    expect(m.viaList().length).toBeGreaterThan(30);
    expect(m.body.length).toBe(m.contentLength);
  });

  it('dblreq: only the first request of the datagram is taken', () => {
    const m = req('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('semiuri: `;` in the user part; list headers split over folded lines', () => {
    const m = req('semiuri');
    expect(m.requestUri()).toMatchObject({ user: 'user;par=u%40example.net', host: 'example.com' });
    expect(m.getAll('accept')).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  });

  it('transports: unknown transports in Via', () => {
    expect(
      req('transports')
        .viaList()
        .map((v) => v?.transport),
    ).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('mpart01: a binary multipart body is kept byte for byte', () => {
    const m = req('mpart01');
    expect(m.contentType).toBe('multipart/mixed');
    expect(m.body.length).toBe(553);
    expect(m.via.rport).toBe(true);
  });

  it('unreason / noreason: unusual and empty reason phrases', () => {
    expect(res('unreason').status).toBe(200);
    expect(res('unreason').reason).toMatch(/^= 2\*\*3 \* 5\*\*2 /);
    expect(res('noreason')).toMatchObject({ status: 100, reason: '' });
  });
});

describe('RFC 4475 §3.2-3.4: transaction/application layer messages parse to what the UA needs', () => {
  it('badbranch: a bare magic cookie is still a branch', () => {
    expect(req('badbranch').via.branch).toBe('z9hG4bK');
  });
  it('unkscm / novelsc: unknown Request-URI schemes are kept opaque', () => {
    expect(req('unkscm').requestUri()).toMatchObject({ kind: 'other', scheme: 'nobodyknowsthisscheme' });
    expect(req('novelsc').requestUri()).toMatchObject({ kind: 'other', scheme: 'soap.beep' });
  });
  it('unksm2: unknown schemes in To/From/Contact', () => {
    const m = req('unksm2');
    expect(m.toAddr()?.uri).toMatchObject({ kind: 'other', scheme: 'isbn', opaque: '2983792873' });
    expect(m.fromAddr()?.uri).toMatchObject({ kind: 'other', scheme: 'http' });
  });
  it('bext01: Require option tags', () => {
    expect(req('bext01').tags('require')).toEqual(['nothingsupportsthis', 'nothingsupportsthiseither']);
  });
  it('cparam01 / cparam02: parameter belongs to the header without <>, to the URI with <>', () => {
    const a = req('cparam01').contacts()[0]!;
    expect(a.params.has('unknownparam')).toBe(true);
    expect(a.uri.kind === 'sip' && a.uri.params.size).toBe(0);
    const b = req('cparam02').contacts()[0]!;
    expect(b.params.size).toBe(0);
    expect(b.uri.kind === 'sip' && b.uri.params.has('unknownparam')).toBe(true);
  });
  it('regescrt: URI headers inside <> in Contact', () => {
    expect(req('regescrt').contacts()[0]?.uri).toMatchObject({ headers: 'Route=%3Csip:sip.example.com%3E' });
  });
  it('zeromf, inv2543, regaut01, sdp01, invut, bcast parse', () => {
    expect(req('zeromf').get('max-forwards')).toBe('0');
    expect(req('inv2543').via.branch).toBeUndefined();
    expect(req('regaut01').get('authorization')).toBe('NoOneKnowsThisScheme opaque-data=here');
    expect(req('sdp01').get('accept')).toBe('text/nobodyKnowsThis');
    expect(req('invut').contentType).toBe('application/unknownformat');
    expect(res('bcast').viaList()[1]?.host).toBe('255.255.255.255');
  });
});

/** Expected answer of the live UA to each message (undefined: no answer). */
const LIVE: Record<string, number | undefined> = {
  wsinv: 481,
  intmeth: 501,
  esc01: 403,
  escnull: 405,
  esc02: 501,
  lwsdisp: 200,
  longreq: 403,
  dblreq: 405,
  semiuri: 200,
  transports: 200,
  mpart01: 405,
  unreason: undefined,
  noreason: undefined,
  badbranch: 200,
  unkscm: 416,
  novelsc: 416,
  unksm2: 405,
  bext01: 420,
  invut: 415,
  regaut01: 405,
  bcast: undefined,
  zeromf: 200,
  cparam01: 405,
  cparam02: 405,
  regescrt: 405,
  sdp01: 403,
  inv2543: 403,
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: undefined,
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  baddate: 400,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 400,
  bigcode: undefined,
  insuf: 400,
  multi01: 400,
  mcl01: 400,
};

/**
 * Responses to valid requests follow the Via (RFC 3261 §18.2.2); to get them back on our test socket we
 * ask for rport (RFC 3581) by adding `;rport` to the top Via value. Invalid requests are answered to
 * the source address whatever their Via says.
 */
function withRport(buf: Buffer): Buffer {
  const text = buf.toString('latin1');
  const m = /\r\n(via|v)[ \t]*:/i.exec(text);
  if (!m) return buf;
  let end = text.indexOf('\r\n', m.index + 2);
  while (text[end + 2] === ' ' || text[end + 2] === '\t') end = text.indexOf('\r\n', end + 2);
  const comma = text.indexOf(',', m.index);
  const at = comma >= 0 && comma < end ? comma : end;
  return Buffer.from(`${text.slice(0, at)};rport${text.slice(at)}`, 'latin1');
}

describe('RFC 4475 against a live UA over UDP', () => {
  let ua: SipSignalling;
  let sock: Socket;
  const received: Buffer[] = [];

  beforeAll(async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', rateLimit: { perSecond: 1000, burst: 1000 } });
    await ua.start();
    sock = createSocket('udp4');
    sock.on('message', (m) => received.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await ua.stop();
    sock.close();
  });

  it.each(Object.entries(LIVE))('%s → %s', async (name, expected) => {
    received.length = 0;
    const before = ua.stats();
    const raw = load(name);
    const text = raw.toString('latin1');
    // Answers are told apart by Call-ID (or CSeq, for insuf which has none): earlier INVITE failures
    // are retransmitted until ACKed, and we never ACK.
    const key =
      /^(?:call-id|i)[ \t]*:[ \t]*(.*?)\r$/im.exec(text)?.[1] ?? /^CSeq[ \t]*:[ \t]*(.*?)\r$/im.exec(text)?.[1];
    const mine = (b: Buffer) => {
      const t = b.toString('utf8');
      const theirs = /^Call-ID:[ \t]*(.*?)\r$/im.exec(t)?.[1] ?? /^CSeq:[ \t]*(.*?)\r$/im.exec(t)?.[1];
      return theirs === key;
    };
    sock.send(INVALID[name] === undefined ? withRport(raw) : raw, ua.port, '127.0.0.1');
    if (expected === undefined) await new Promise((r) => setTimeout(r, 150));
    else await waitFor(() => received.some(mine), 2000).catch(() => {});
    const statuses = [
      ...new Set(
        received.filter(mine).map((b) => {
          const status = /^SIP\/2\.0 (\d{3}) /.exec(b.toString('utf8'))?.[1];
          return status ? Number(status) : -1;
        }),
      ),
    ];
    if (expected === undefined) {
      expect(statuses).toEqual([]);
      const after = ua.stats();
      if (INVALID[name] === 'drop') expect(after.dropped).toBe((before.dropped ?? 0) + 1);
    } else {
      expect(statuses).toEqual([expected]);
      if (expected === 400 || expected === 505) {
        const text = received[0]!.toString('utf8');
        // the reason phrase says what was wrong
        expect(text.split('\r\n')[0]).not.toBe(`SIP/2.0 ${expected} `);
      }
    }
  });
});
