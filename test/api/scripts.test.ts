// biome-ignore-all lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
/**
 * IVR scripts over the REST API (issue 15), on the whole app (`startApp`: config → SQLite → script
 * service → API) with real espeak-ng for TTS and real sox to make the uploads:
 * list / get / validate (every problem at once, sv + en, line:column) / refused save keeps the running
 * version / save / versions with diff / rollback / recordings (accepted, and refused: silent, clipped,
 * too long, too big, unreadable) / prompt audio / TTS / dry run / OpenAPI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createApiKey } from '../../src/store';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(60_000);

let dir: string;
let app: RunningApp;
let key: string;
let keyId: string;

const SHIPPED = readFileSync(resolve(__dirname, '..', '..', 'ivr-scripts', 'office-phone-verify.yaml'), 'utf8');

beforeAll(async () => {
  requireTool('espeak-ng', 'espeak-ng');
  requireTool('sox', 'sox');
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-api-scripts-'));
  const httpPort = await freePort();
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      database: { path: join(dir, 'data', 'fyrkant.db') },
      log: { level: 'warn' },
      http: { address: '127.0.0.1', port: httpPort },
      telephony: { backend: 'embedded' },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: `sip:127.0.0.1:${await freePort()}`, keepaliveSeconds: 0 } },
      ivr: { promptCacheDir: join(dir, 'prompts'), recordings: { maxBytes: 1_048_576, maxSeconds: 20 } },
    },
  });
  app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  const k = createApiKey(app.ctx.store.db, { name: 'scripts admin', scopes: ['admin'] });
  key = k.key;
  keyId = k.row.id;
});

afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; bytes: Buffer; type: string }> {
  const raw = Buffer.isBuffer(body);
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': raw ? 'audio/wav' : 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: raw ? new Uint8Array(body as Buffer) : JSON.stringify(body) } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, json: type.includes('json') ? JSON.parse(bytes.toString()) : undefined, bytes, type };
}

/** A WAV made by sox (`synth` arguments, e.g. `1 sine 440 vol 0.5`). */
function sox(...synth: string[]): Buffer {
  const out = join(dir, `s-${Math.random().toString(36).slice(2)}.wav`);
  execFileSync('sox', ['-n', '-r', '16000', '-b', '16', '-c', '1', out, 'synth', ...synth]);
  return readFileSync(out);
}

const S = '/api/v1/scripts/office-phone-verify';

/** The 16-bit samples of a WAV written by fyrkant (44-byte header). */
function samples(wav: Buffer): Int16Array {
  return new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length - ((wav.length - 44) % 2)));
}
function maxDifference(a: Int16Array, b: Int16Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe('IVR scripts over the REST API', () => {
  it('lists the shipped scripts with version 1, validity and where each is used', async () => {
    const r = await api('GET', '/api/v1/scripts');
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.json.scripts.map((s: any) => [s.id, s]));
    expect(byId['office-phone-verify']).toMatchObject({ version: 1, valid: true, errors: 0, author: 'file' });
    expect(byId['office-phone-verify'].usedFor).toEqual(['enrollment', 'test']);
    expect(byId['signin-approve'].usedFor).toEqual(['sign-in']);
    expect(byId['pin-verify'].usedFor).toEqual(['pin']);
  });

  it('gets one script: the YAML text, its parsed form, prompts and flow', async () => {
    const r = await api('GET', S);
    expect(r.status).toBe(200);
    expect(r.json.source).toBe(SHIPPED);
    expect(r.json.parsed.prompts.greeting['sv-SE']).toMatch(/Tryck på fyrkant/);
    expect(r.json.prompts.map((p: any) => p.key)).toContain('greeting');
    const ask = r.json.flow.find((f: any) => f.id === 'ask');
    expect(ask.exits).toEqual(expect.arrayContaining([{ on: 'digits:', result: 'approved', to: 'success' }]));
    expect((await api('GET', '/api/v1/scripts/no-such-script')).status).toBe(404);
  });

  it('validates a draft with every problem at once: types and references, line:column, sv + en, suggestion', async () => {
    const draft = SHIPPED.replace('    play: success', '    paly: success')
      .replace('language: en-US', 'language: 42')
      .replace('goto: goodbye }\n  # --- no extension', 'goto: godbye }\n  # --- no extension');
    const r = await api('POST', `${S}/validate`, { source: draft });
    expect(r.status).toBe(200);
    expect(r.json.valid).toBe(false);
    const lineOf = (needle: string) => draft.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const typo = r.json.problems.find((p: any) => p.message.en.startsWith('unknown verb "paly"'));
    expect(typo).toMatchObject({
      severity: 'error',
      line: lineOf('paly: success'),
      column: 5,
      message: { sv: 'okänt verb "paly"' },
      suggestion: { en: 'Did you mean "play"?', sv: 'Menade du "play"?' },
    });
    // The top-level type error does not hide the step errors (one run shows them all).
    expect(r.json.problems.find((p: any) => p.path === 'language')).toMatchObject({
      line: lineOf('language: 42'),
      message: { en: 'wrong type', sv: 'fel typ' },
    });
    expect(r.json.problems.find((p: any) => p.message.en.startsWith('no step has id "godbye"'))).toMatchObject({
      line: lineOf('godbye'),
      message: { sv: 'inget steg har id "godbye"' },
      suggestion: { sv: 'Menade du "goodbye"?' },
    });
  });

  it('refuses an invalid save with the problems; the running version keeps serving', async () => {
    const r = await api('POST', `${S}/versions`, { source: 'steps:\n  - paly: x\n', note: 'broken' });
    expect(r.status).toBe(422);
    expect(r.json.error).toBe('script-invalid');
    expect(r.json.problems.length).toBeGreaterThanOrEqual(2);
    const after = await api('GET', S);
    expect(after.json).toMatchObject({ version: 1, source: SHIPPED });
    expect(app.ctx).toBeDefined();
  });

  it('saves a version with a note; versions show who/when/diff; rollback saves the old text again', async () => {
    const edited = SHIPPED.replace('Tack! Verifieringen är klar. Hej då.', 'Tack! Nu är telefonen verifierad. Hej då.');
    const saved = await api('POST', `${S}/versions`, { source: edited, note: 'kortare tack' });
    expect(saved.status).toBe(201);
    expect(saved.json.version).toBe(2);
    expect((await api('GET', S)).json).toMatchObject({ version: 2, source: edited });

    const versions = await api('GET', `${S}/versions`);
    expect(versions.json.versions.map((v: any) => [v.version, v.author, v.note, v.running])).toEqual([
      [2, `apikey:${keyId}`, 'kortare tack', true],
      [1, 'file', 'shipped default', false],
    ]);
    expect(versions.json.versions[0].diff).toContain('-    sv-SE: Tack! Verifieringen är klar. Hej då.');
    expect(versions.json.versions[0].diff).toContain('+    sv-SE: Tack! Nu är telefonen verifierad. Hej då.');
    const diff = await api('POST', `${S}/diff`, { source: SHIPPED });
    expect(diff.json.diff).toContain('+    sv-SE: Tack! Verifieringen är klar. Hej då.');

    const back = await api('POST', `${S}/rollback`, { version: 1 });
    expect(back.status).toBe(201);
    expect(back.json.version).toBe(3);
    expect((await api('GET', S)).json).toMatchObject({ version: 3, source: SHIPPED });
    expect((await api('GET', `${S}/versions/3`)).json).toMatchObject({
      note: 'rollback to version 1',
      source: SHIPPED,
    });
    expect((await api('POST', `${S}/rollback`, { version: 99 })).status).toBe(404);
  });

  it('uploads a WAV recording, converts it once, plays it as the prompt, and removes it', async () => {
    const up = await api(
      'POST',
      `${S}/prompts/success/sv-SE/recording?filename=tack.wav`,
      sox('1.5', 'sine', '440', 'vol', '0.5'),
    );
    expect(up.status).toBe(201);
    expect(up.json).toMatchObject({ promptKey: 'success', language: 'sv-SE', originalName: 'tack.wav' });
    expect(up.json.durationMs).toBeGreaterThanOrEqual(1400);
    const stored = await api('GET', `${S}/prompts/success/sv-SE/recording`);
    expect(stored.type).toBe('audio/wav');
    // 8 kHz mono 16-bit: sample rate in the header, 1.5 s ≈ 24 000 bytes of samples.
    expect(stored.bytes.readUInt32LE(24)).toBe(8000);
    const played = await api('GET', `${S}/prompts/success/sv-SE/audio`);
    expect(played.status).toBe(200);
    // The recording (re-read through the prompt path: same samples, give or take one step of rounding).
    expect(samples(played.bytes).length).toBe(samples(stored.bytes).length);
    expect(maxDifference(samples(played.bytes), samples(stored.bytes))).toBeLessThanOrEqual(1);
    // Another language of the same prompt is still TTS (a different clip).
    const en = await api('GET', `${S}/prompts/success/en-US/audio`);
    expect(en.bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(en.bytes.equals(stored.bytes)).toBe(false);
    expect((await api('GET', `${S}/recordings`)).json.recordings).toHaveLength(1);

    expect((await api('DELETE', `${S}/prompts/success/sv-SE/recording`)).status).toBe(204);
    expect((await api('GET', `${S}/prompts/success/sv-SE/recording`)).status).toBe(404);
    const tts = await api('GET', `${S}/prompts/success/sv-SE/audio`);
    expect(samples(tts.bytes).length).not.toBe(samples(stored.bytes).length);
  });

  // Debian's sox writes MP3 (libsox-fmt-mp3, pulled in with sox): a real MP3 file, decoded once on upload.
  it('uploads an MP3 recording, converts it to 8 kHz WAV and plays the same tone back', async () => {
    if (!/\bmp3\b/.test(execFileSync('sox', ['-h']).toString()))
      throw new Error('sox cannot read/write MP3; install it: apt-get install libsox-fmt-mp3');
    const mp3Path = join(dir, 'tone.mp3');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', mp3Path, 'synth', '1.5', 'sine', '440', 'vol', '0.5']);
    const mp3 = readFileSync(mp3Path);
    expect(mp3.subarray(0, 3).toString('latin1') === 'ID3' || (mp3[0] === 0xff && (mp3[1]! & 0xe0) === 0xe0)).toBe(
      true,
    );
    const up = await api('POST', `${S}/prompts/goodbye/en-US/recording?filename=tone.mp3`, mp3, {
      'content-type': 'audio/mpeg',
    });
    expect(up.status).toBe(201);
    expect(up.json).toMatchObject({ promptKey: 'goodbye', language: 'en-US', originalName: 'tone.mp3' });
    // MP3 encoders pad the start and end a little: 1.5 s of tone comes back as 1.5 s and a bit.
    expect(up.json.durationMs).toBeGreaterThanOrEqual(1400);
    expect(up.json.durationMs).toBeLessThan(1800);
    const played = await api('GET', `${S}/prompts/goodbye/en-US/audio`);
    expect(played.status).toBe(200);
    expect(played.bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(played.bytes.readUInt32LE(24)).toBe(8000);
    // Still a 440 Hz tone after decoding and resampling: ~880 zero crossings a second.
    const x = samples(played.bytes);
    let crossings = 0;
    for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
    const hz = crossings / 2 / (x.length / 8000);
    expect(hz).toBeGreaterThan(400);
    expect(hz).toBeLessThan(480);
    expect((await api('DELETE', `${S}/prompts/goodbye/en-US/recording`)).status).toBe(204);
  });

  it.each([
    ['silent', () => sox('1', 'sine', '440', 'vol', '0'), /tyst/],
    ['clipped', () => sox('1', 'sine', '440', 'gain', '12'), /överstyrd/],
    ['too-long', () => sox('21', 'sine', '440', 'vol', '0.3'), /för lång; gränsen är 20 s/],
    ['unreadable', () => Buffer.from('this is not audio at all, just text'), /kunde inte läsas/],
  ])('refuses a %s recording with the reason in Swedish', async (code, make, sv) => {
    const r = await api('POST', `${S}/prompts/greeting/sv-SE/recording`, make(), { 'accept-language': 'sv' });
    expect(r.status).toBe(422);
    expect(r.json.fields[0]).toMatchObject({ field: 'file', code });
    expect(r.json.fields[0].message).toMatch(sv);
    const left = (await api('GET', `${S}/recordings`)).json.recordings;
    expect(left.filter((x: any) => x.promptKey === 'greeting')).toEqual([]);
  });

  it('refuses a file over the size limit', async () => {
    const big = sox('19', 'sine', '440', 'vol', '0.3'); // 16 kHz 16-bit: ~600 kB, under the time limit
    const huge = Buffer.concat([big, Buffer.alloc(1_048_576 - big.length + 10, 1)]);
    const r = await api('POST', `${S}/prompts/greeting/sv-SE/recording`, huge);
    expect(r.status).toBe(422);
    expect(r.json.fields[0]).toMatchObject({ code: 'too-big', message: 'The file is too large; the limit is 1 MB.' });
  });

  it('renders a TTS text as WAV', async () => {
    const r = await api('POST', '/api/v1/tts', { text: 'Hej från fyrkant', language: 'sv-SE' });
    expect(r.status).toBe(200);
    expect(r.type).toBe('audio/wav');
    expect(r.bytes.subarray(8, 12).toString()).toBe('WAVE');
    expect(r.bytes.length).toBeGreaterThan(8000);
  });

  it('dry-runs the running version and a draft with typed keys (no call)', async () => {
    const pound = await api('POST', `${S}/simulate`, { keys: '#', language: 'sv-SE' });
    expect(pound.status).toBe(200);
    expect(pound.json.result).toBe('approved');
    expect(pound.json.prompts.map((p: any) => p.key)).toEqual(['greeting', 'success']);
    expect(pound.json.prompts[0].text).toMatch(/^Hej! Det här är ett verifieringssamtal från /);
    const fraud = await api('POST', `${S}/simulate`, { keys: '0#', language: 'en-US' });
    expect(fraud.json).toMatchObject({ result: 'fraud' });
    const silence = await api('POST', `${S}/simulate`, { keys: '', language: 'sv-SE' });
    expect(silence.json.result).toBe('no-input');
    expect(silence.json.prompts.map((p: any) => p.key)).toEqual(['greeting', 'retry', 'retry', 'goodbye']);

    const draft = SHIPPED.replace(
      '{ digits: "", result: approved, goto: success }\n        - { digits: "0", result: fraud, goto: fraud }\n      noInput: { result: no-input, goto: goodbye }\n      invalid: { result: denied, goto: goodbye }\n  - id: success',
      '{ digits: "", result: denied, goto: goodbye }\n        - { digits: "0", result: fraud, goto: fraud }\n      noInput: { result: no-input, goto: goodbye }\n      invalid: { result: denied, goto: goodbye }\n  - id: success',
    );
    expect(draft).not.toBe(SHIPPED);
    const d = await api('POST', `${S}/simulate`, { keys: '#', language: 'sv-SE', source: draft });
    expect(d.json.result).toBe('denied');
    const bad = await api('POST', `${S}/simulate`, { keys: '#', source: 'steps: 3' });
    expect(bad.status).toBe(422);
    expect(bad.json.problems[0].message.sv).toBeTruthy();
  });

  it('documents every script route in OpenAPI', async () => {
    const doc = (await api('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/scripts/{scriptId}/versions'] ?? {})).toEqual(['post', 'get']);
    expect(doc.paths['/api/v1/scripts/{scriptId}/prompts/{key}/{language}/recording']?.post).toMatchObject({
      requestBody: { content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
    });
  });
});
