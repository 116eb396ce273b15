import { Writable } from 'node:stream';
import { callLogger, createLogger } from '../../src/log';

function capture() {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      out.push(chunk.toString());
      cb();
    },
  });
  return { out, log: createLogger({ level: 'debug', destination: stream }) };
}

describe('logging', () => {
  it('every line of a call logger carries attemptId and callId', () => {
    const { out, log } = capture();
    callLogger(log, { attemptId: 'att-1', callId: 'abc@host' }).info('ringing');
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ attemptId: 'att-1', callId: 'abc@host', msg: 'ringing' });
  });

  it('never writes secrets: fields, nested config, SIP auth headers and bearer tokens in messages', () => {
    const { out, log } = capture();
    log.info(
      { password: 'pw1', trunk: { password: 'pw2', username: 'fyrkant' }, config: { drachtio: { secret: 's3' } } },
      'x',
    );
    log.info({ req: { headers: { authorization: 'Bearer abc.def' } } }, 'y');
    log.warn('got Proxy-Authorization: Digest username="fyrkant", response="d41d8cd98f00b204e9800998ecf8427e"');
    log.info('Authorization: Bearer sk_live_123456');
    const all = out.join('');
    for (const secret of ['pw1', 'pw2', 's3', 'abc.def', 'd41d8cd98f00b204e9800998ecf8427e', 'sk_live_123456'])
      expect(all).not.toContain(secret);
    expect(all).toContain('"username":"fyrkant"');
    expect(all).toContain('username=\\"fyrkant\\", [REDACTED]');
  });
});
