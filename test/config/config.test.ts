import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, MASK, maskedConfig } from '../../src/config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function site(text: string, name = 'site.yaml'): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loading', () => {
  it('loads config/default.yaml alone (every key documented there is valid)', () => {
    const { config, files } = loadConfig({ env: {}, cwd: dir });
    expect(files).toHaveLength(1);
    expect(config.telephony.backend).toBe('embedded');
    expect(config.homeCountry).toBe('SE');
    expect(config.database.path).toBe(join(dir, 'data', 'fyrkant.db'));
    expect(config.policy.blockedTypes).toContain('premium-rate');
  });

  it('layers a site file over the defaults, then env vars, then overrides', () => {
    const f = site('http:\n  port: 9090\nsip:\n  trunk:\n    uri: sip:pbx.example.com\n    username: fyrkant\n');
    const { config } = loadConfig({
      file: f,
      cwd: dir,
      env: {
        FYRKANT_SIP__TRUNK__PASSWORD: '0123',
        FYRKANT_MEDIA__RTP_PORT_MIN: '30000',
        FYRKANT_MEDIA__RTP_PORT_MAX: '30100',
        FYRKANT_MEDIA__DTMF__RECEIVE_MODES: '[rfc4733, info]',
        FYRKANT_TELEPHONY__ALLOW_SIP_URI_DIAL: 'true',
      },
      overrides: { http: { address: '127.0.0.2' } },
    });
    expect(config.http).toMatchObject({ port: 9090, address: '127.0.0.2', trustProxy: false });
    expect(config.sip.trunk).toMatchObject({ uri: 'sip:pbx.example.com', username: 'fyrkant', password: '0123' });
    expect([config.media.rtpPortMin, config.media.rtpPortMax]).toEqual([30000, 30100]);
    expect(config.media.dtmf.receiveModes).toEqual(['rfc4733', 'info']);
    expect(config.telephony.allowSipUriDial).toBe(true);
    // untouched keys keep their defaults
    expect(config.sip.timers.t1Ms).toBe(500);
  });

  it('FYRKANT_API_KEY (read by fyrkant verify) is not configuration; other unknown FYRKANT_ names still are errors', () => {
    const env = { FYRKANT_API_KEY: 'fyk_abc', FYRKANT_HTTP__PORT: '8099' };
    expect(loadConfig({ env, cwd: dir }).config.http.port).toBe(8099);
    expect(() => loadConfig({ env: { FYRKANT_API_KEYS: 'x' }, cwd: dir })).toThrow(/FYRKANT_API_KEYS.*unknown key/s);
  });

  it('takes the site file from FYRKANT_CONFIG', () => {
    const f = site('companyName: Acme\n');
    expect(loadConfig({ env: { FYRKANT_CONFIG: f }, cwd: dir }).config.companyName).toBe('Acme');
  });

  it('reads secrets from a file and masks them for display', () => {
    const secretFile = join(dir, 'trunk.pw');
    writeFileSync(secretFile, 's3cret\n');
    const f = site('sip:\n  trunk:\n    username: u\n    passwordFile: trunk.pw\n');
    const { config } = loadConfig({ file: f, env: { FYRKANT_DRACHTIO__SECRET: 'cymru' }, cwd: dir });
    expect(config.sip.trunk.password).toBe('s3cret');
    const masked = maskedConfig(config);
    expect(masked.sip.trunk.password).toBe(MASK);
    expect(masked.drachtio.secret).toBe(MASK);
    expect(masked.drachtio.freeswitch.secret).toBeNull();
    expect(JSON.stringify(masked)).not.toMatch(/s3cret|cymru/);
  });
});

describe('errors name the file, line, key path, value and expectation', () => {
  it('a wrong type', () => {
    const f = site('companyName: Acme\nsip:\n  port: "five"\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    expect(err.issues).toHaveLength(1);
    const [i] = err.issues;
    expect(i?.path).toBe('sip.port');
    expect(i?.value).toBe('"five"');
    expect(i?.message).toMatch(/expected number/);
    expect(i?.source).toEqual({ kind: 'file', file: 'site.yaml', line: 3, column: 9 });
    expect(err.message).toContain('site.yaml:3:9: sip.port:');
  });

  it('an unknown key, pointing at the key and listing the known ones', () => {
    const f = site('sip:\n  trunk:\n    uri: sip:pbx\n    pasword: x\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    const i = err.issues.find((x) => x.path === 'sip.trunk.pasword');
    expect(i?.source).toEqual({ kind: 'file', file: 'site.yaml', line: 4, column: 5 });
    expect(i?.message).toMatch(/unknown key.*password/);
  });

  it('bad YAML, with its line', () => {
    const f = site('http:\n  port: 80\n  address: [oops\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    expect(err.issues[0]?.message).toMatch(/invalid YAML/);
    expect(err.issues[0]?.source).toMatchObject({ kind: 'file', file: 'site.yaml' });
    const src = err.issues[0]?.source;
    expect(src?.kind === 'file' ? src.line : 0).toBeGreaterThanOrEqual(3);
  });

  it('a duplicate key is bad YAML', () => {
    const f = site('companyName: A\ncompanyName: B\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    expect(err.issues[0]?.source).toMatchObject({ file: 'site.yaml', line: 2 });
  });

  it('a bad value in an environment variable names the variable', () => {
    const err = issuesOf(() => loadConfig({ env: { FYRKANT_HTTP__PORT: 'eighty' }, cwd: dir }));
    expect(err.issues[0]).toMatchObject({
      path: 'http.port',
      value: '"eighty"',
      source: { kind: 'env', variable: 'FYRKANT_HTTP__PORT' },
    });
  });

  it('an unknown key in an environment variable', () => {
    const err = issuesOf(() => loadConfig({ env: { FYRKANT_SIP__TRUNKK__URI: 'sip:x' }, cwd: dir }));
    expect(err.issues[0]).toMatchObject({
      path: 'sip.trunkk',
      source: { kind: 'env', variable: 'FYRKANT_SIP__TRUNKK__URI' },
    });
  });

  it('a bad value inside a list points at the item', () => {
    const f = site('policy:\n  allowedCountries:\n    - SE\n    - XX\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    expect(err.issues[0]).toMatchObject({ path: 'policy.allowedCountries.1', value: '"XX"' });
    expect(err.issues[0]?.source).toMatchObject({ file: 'site.yaml', line: 4, column: 7 });
  });

  it('cross-field rules: drachtio needs its secret and the FreeSWITCH ESL password; rtp range order', () => {
    const f = site('telephony:\n  backend: drachtio\nmedia:\n  rtpPortMin: 30000\n  rtpPortMax: 20000\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    expect(err.issues.map((i) => i.path).sort()).toEqual([
      'drachtio.freeswitch.secret',
      'drachtio.secret',
      'media.rtpPortMax',
    ]);
    expect(err.issues.find((i) => i.path === 'media.rtpPortMax')?.source).toMatchObject({ file: 'site.yaml', line: 5 });
  });

  it('a secret value is never echoed in an error', () => {
    const err = issuesOf(() => loadConfig({ env: { FYRKANT_SIP__TRUNK__PASSWORD: 'topsecret' }, cwd: dir }));
    // password without username is refused; the password itself must not appear
    expect(err.issues.map((i) => i.path)).toEqual(['sip.trunk.username']);
    expect(err.message).not.toContain('topsecret');
  });

  it('a missing secret file', () => {
    const f = site('sip:\n  trunk:\n    username: u\n    passwordFile: nope.txt\n');
    const err = issuesOf(() => loadConfig({ file: f, env: {}, cwd: dir }));
    expect(err.issues[0]).toMatchObject({ path: 'sip.trunk.passwordFile', source: { file: 'site.yaml', line: 4 } });
    expect(err.issues[0]?.message).toMatch(/ENOENT/);
  });

  it('a missing site file', () => {
    const err = issuesOf(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {}, cwd: dir }));
    expect(err.issues[0]?.message).toMatch(/cannot read config file: ENOENT/);
  });
});
