/**
 * The RTP source policy (issue 13) as a pure state machine: which packets reach the call's media,
 * under an injected clock (milliseconds passed to `check`). The end-to-end attacker tests with real
 * sockets and sipp are in rtp-source.test.ts.
 */
import {
  describeSourceChange,
  type RtpSourceChange,
  type RtpSourceMode,
  RtpSourcePolicy,
} from '../../src/telephony/embedded/media/rtp/source-policy';

const PHONE = '127.0.0.1';
const SDP_PORT = 40000;

function policy(mode: RtpSourceMode): { p: RtpSourcePolicy; changes: RtpSourceChange[] } {
  const changes: RtpSourceChange[] = [];
  const p = new RtpSourcePolicy({ mode, onChange: (c) => changes.push(c) });
  p.setSignalled(PHONE, SDP_PORT);
  return { p, changes };
}

/** Send `n` in-sequence packets of one stream, 20 ms apart from `t0`; returns how many were accepted. */
function stream(
  p: RtpSourcePolicy,
  from: [string, number],
  o: { ssrc: number; seq: number; n: number; t0: number },
): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < o.n; i++) out.push(p.check(from[0], from[1], o.ssrc, (o.seq + i) & 0xffff, o.t0 + i * 20));
  return out;
}

describe('RTP source policy', () => {
  it('drops everything before a remote description', () => {
    const p = new RtpSourcePolicy({ mode: 'learn' });
    expect(p.check(PHONE, SDP_PORT, 1, 1, 0)).toBe(false);
    expect(p.stats.noRemote).toBe(1);
  });

  it.each<RtpSourceMode>(['strict', 'same-host', 'learn'])(
    '%s: the SDP address and port are accepted from the first packet, and become the send target',
    (mode) => {
      const { p, changes } = policy(mode);
      expect(p.targetPort).toBe(SDP_PORT);
      expect(stream(p, [PHONE, SDP_PORT], { ssrc: 7, seq: 65534, n: 5, t0: 0 })).toEqual([
        true,
        true,
        true,
        true,
        true,
      ]);
      expect(changes.map((c) => c.kind)).toEqual(['remote', 'signalled']);
      expect(p.hasSource).toBe(true);
    },
  );

  it('strict: another port of the same host and another host are never adopted', () => {
    const { p, changes } = policy('strict');
    expect(stream(p, [PHONE, SDP_PORT + 2], { ssrc: 9, seq: 1, n: 100, t0: 0 }).some(Boolean)).toBe(false);
    expect(stream(p, ['127.0.0.2', SDP_PORT], { ssrc: 9, seq: 1, n: 100, t0: 5000 }).some(Boolean)).toBe(false);
    expect(p.stats.foreign).toBe(200);
    expect(p.hasSource).toBe(false);
    // Told once per description, with what to set if it is the PBX's own media.
    expect(changes.filter((c) => c.kind === 'refused').map(describeSourceChange)).toEqual([
      expect.stringMatching(/refusing packets from 127\.0\.0\.1:40002 .*set media\.rtpSource to same-host/),
    ]);
  });

  it('same-host: another port of the SDP address is adopted after 4 in-sequence packets of one SSRC; another host never', () => {
    const { p, changes } = policy('same-host');
    expect(stream(p, ['127.0.0.2', 5000], { ssrc: 9, seq: 1, n: 50, t0: 0 }).some(Boolean)).toBe(false);
    expect(stream(p, [PHONE, 41000], { ssrc: 5, seq: 100, n: 6, t0: 2000 })).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(p.targetPort).toBe(41000);
    expect(changes.at(-1)).toMatchObject({ kind: 'adopted', address: PHONE, port: 41000, ssrc: 5 });
    expect(describeSourceChange(changes.at(-1)!)).toMatch(/adopted 127\.0\.0\.1:41000, SSRC 0x00000005.*same-host/);
    expect(p.stats).toMatchObject({ foreign: 50, probation: 3, accepted: 3, sourceChanges: 1 });
  });

  it('probation restarts on a sequence gap, another SSRC or another port in between', () => {
    const { p } = policy('same-host');
    const c = (port: number, ssrc: number, seq: number) => p.check(PHONE, port, ssrc, seq, 0);
    expect([c(41000, 5, 1), c(41000, 5, 2), c(41000, 5, 4), c(41000, 5, 5), c(41000, 5, 6)]).toEqual(
      Array(5).fill(false),
    );
    expect([c(41000, 6, 7), c(41000, 5, 8), c(41002, 5, 9), c(41000, 5, 10), c(41000, 5, 11)]).toEqual(
      Array(5).fill(false),
    );
    expect([c(41000, 5, 12), c(41000, 5, 13)]).toEqual([false, true]);
  });

  it('no other source is adopted while the SDP address sends (however fast the stranger is)', () => {
    for (const mode of ['same-host', 'learn'] as const) {
      const { p } = policy(mode);
      const from = mode === 'learn' ? '127.0.0.2' : PHONE;
      let seq = 1;
      let phone = 0;
      let stranger = 0;
      for (let t = 0; t < 2000; t += 20) {
        if (p.check(PHONE, SDP_PORT, 1, t / 20, t)) phone++;
        // 10 in-sequence packets between two of the phone's.
        for (let k = 0; k < 10; k++) if (p.check(from, 6000, 2, seq++, t + 1 + k)) stranger++;
      }
      expect([phone, stranger]).toEqual([100, 0]);
      expect(p.targetPort).toBe(SDP_PORT);
      // Once the phone has been silent for 500 ms the stream may move (weaker in learn: documented).
      const last = 1980;
      expect(stream(p, [from, 6000], { ssrc: 2, seq, n: 4, t0: last + 100 }).some(Boolean)).toBe(false);
      expect(stream(p, [from, 6000], { ssrc: 2, seq: seq + 4, n: 4, t0: last + 500 }).at(-1)).toBe(true);
    }
  });

  it('learn: a source behind NAT (another IP) is adopted after probation; the SDP address wins it back at once', () => {
    const { p, changes } = policy('learn');
    expect(stream(p, ['127.0.0.3', 7000], { ssrc: 3, seq: 10, n: 5, t0: 0 })).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(p.targetAddress).toBe('127.0.0.3');
    expect(p.check(PHONE, SDP_PORT, 4, 500, 200)).toBe(true);
    expect(p.targetAddress).toBe(PHONE);
    // The NAT source is now a stranger again, and the SDP address is alive.
    expect(p.check('127.0.0.3', 7000, 3, 15, 220)).toBe(false);
    expect(changes.map((c) => c.kind)).toEqual(['remote', 'adopted', 'signalled']);
  });

  it('a new remote description wins at once; in-flight packets from the old address do not capture the call', () => {
    const { p, changes } = policy('same-host');
    stream(p, [PHONE, SDP_PORT], { ssrc: 1, seq: 1, n: 10, t0: 0 });
    p.setSignalled(PHONE, 42000);
    expect(p.targetPort).toBe(42000);
    // Three late packets from the old port, then the new one speaks with a new stream.
    expect(stream(p, [PHONE, SDP_PORT], { ssrc: 1, seq: 11, n: 3, t0: 200 }).some(Boolean)).toBe(false);
    expect(p.check(PHONE, 42000, 77, 9000, 260)).toBe(true);
    expect(p.check(PHONE, SDP_PORT, 1, 14, 261)).toBe(false);
    expect(changes.map((c) => c.kind)).toEqual(['remote', 'signalled', 'remote', 'signalled']);
  });

  it('a re-INVITE to another host: the old host is a stranger in same-host, even after many packets', () => {
    const { p } = policy('same-host');
    p.setSignalled('127.0.0.5', 42000);
    expect(stream(p, [PHONE, SDP_PORT], { ssrc: 1, seq: 1, n: 30, t0: 0 }).some(Boolean)).toBe(false);
    expect(p.check('127.0.0.5', 42000, 1, 31, 700)).toBe(true);
  });

  it('stream sanity: duplicates, unconfirmed SSRC changes and sequence jumps are dropped; restarts are confirmed', () => {
    const { p, changes } = policy('strict');
    const c = (ssrc: number, seq: number) => p.check(PHONE, SDP_PORT, ssrc, seq, 0);
    expect(c(1, 100)).toBe(true);
    expect(c(1, 100)).toBe(false); // duplicate
    expect(c(1, 101)).toBe(true);
    expect(c(1, 99)).toBe(true); // late, within MAX_MISORDER
    expect(c(2, 500)).toBe(false); // another SSRC: not yet
    expect(c(1, 102)).toBe(true);
    expect(c(2, 501)).toBe(true); // 501 follows 500: the new stream is believed
    expect(changes.at(-1)?.kind).toBe('ssrc');
    expect(c(1, 103)).toBe(false); // the old SSRC is now the stranger stream
    expect(c(2, 502)).toBe(true);
    expect(c(2, 40000)).toBe(false); // a jump
    expect(c(2, 40001)).toBe(true); // confirmed
    expect(c(2, 40002)).toBe(true);
    expect(p.stats.badStream).toBe(4);
  });

  it('normalises IPv6 SDP addresses to the form sockets report', () => {
    const p = new RtpSourcePolicy({ mode: 'strict' });
    p.setSignalled('0:0:0:0:0:0:0:1', 5000);
    expect(p.check('::1', 5000, 1, 1, 0)).toBe(true);
    expect(p.targetAddress).toBe('::1');
  });

  it('random packets from strangers never reach the media in strict or same-host (bounded fuzz)', () => {
    let s = 0x2545f491;
    const rnd = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 0x1_0000_0000;
    };
    for (const mode of ['strict', 'same-host'] as const) {
      const { p } = policy(mode);
      let accepted = 0;
      for (let i = 0; i < 20_000; i++) {
        const addr = `127.0.${Math.floor(rnd() * 3)}.${2 + Math.floor(rnd() * 3)}`;
        // A stranger that keeps to one stream is the strongest attacker: half the packets do.
        const seq = rnd() < 0.5 ? i & 0xffff : Math.floor(rnd() * 65536);
        const ssrc = rnd() < 0.5 ? 42 : Math.floor(rnd() * 2 ** 32);
        if (p.check(addr, Math.floor(rnd() * 65536), ssrc, seq, i)) accepted++;
      }
      expect(accepted).toBe(0);
      expect(p.hasSource).toBe(false);
    }
  });
});
