/**
 * Fuzzed RADIUS datagrams (a bounded count) at a real `fyrkant serve` child process with the door
 * enabled: random bytes, valid requests with bytes changed, and requests with random attributes but
 * a valid Message-Authenticator (so they get past the MAC check into the decoder and the door).
 * Afterwards the process is still up, /healthz answers, a well-formed request is still answered,
 * and SIGTERM still stops it cleanly.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import radius from 'radius';
import { stringify } from 'yaml';
import { spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { freePort } from '../support/ports';
import { serveEnv } from '../support/serve-env';

jest.setTimeout(120_000);

const SECRET = 'fuzz-secret-0123456789abcdef';
const COUNT = 3000;
let dir: string;
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await waitForExit(child).catch(() => {});
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A request with a valid Message-Authenticator around arbitrary attribute bytes. */
function signedGarbage(attrBytes: Buffer): Buffer {
  const body = Buffer.concat([attrBytes, Buffer.from([80, 18]), Buffer.alloc(16)]);
  const p = Buffer.concat([Buffer.from([1, Math.floor(Math.random() * 256), 0, 0]), randomBytes(16), body]);
  p.writeUInt16BE(Math.min(p.length, 4096), 2);
  const mac = createHmac('md5', SECRET).update(p).digest();
  mac.copy(p, p.length - 16);
  return p;
}

function randomAttributes(): Buffer {
  const parts: Buffer[] = [];
  const n = Math.floor(Math.random() * 6);
  for (let i = 0; i < n; i++) {
    const type = [1, 2, 18, 24, 26, 33, 79, 80, Math.floor(Math.random() * 256)][Math.floor(Math.random() * 9)] ?? 1;
    const value = randomBytes(Math.floor(Math.random() * 40));
    const len = Math.random() < 0.85 ? value.length + 2 : Math.floor(Math.random() * 256);
    parts.push(Buffer.concat([Buffer.from([type, len & 0xff]), value]));
  }
  return Buffer.concat(parts);
}

function fuzzDatagram(i: number, valid: Buffer): Buffer {
  switch (i % 3) {
    case 0:
      return randomBytes(Math.floor(Math.random() * (i % 50 === 0 ? 4200 : 120)));
    case 1: {
      const q = Buffer.from(valid);
      for (let k = 0; k < 1 + (i % 4); k++) q[Math.floor(Math.random() * q.length)] = Math.floor(Math.random() * 256);
      return i % 7 === 0 ? q.subarray(0, Math.floor(Math.random() * q.length)) : q;
    }
    default:
      return signedGarbage(randomAttributes());
  }
}

function requestFor(user: string): Buffer {
  return radius.encode({
    code: 'Access-Request',
    secret: SECRET,
    identifier: 1,
    attributes: [['User-Name', user]],
    add_message_authenticator: true,
  });
}

it('survives a bounded RADIUS fuzz and still answers', async () => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-radius-fuzz-'));
  const radiusPort = await freePort();
  const site = join(dir, 'site.yaml');
  writeFileSync(
    site,
    stringify({
      radius: {
        enabled: true,
        address: '127.0.0.1',
        port: radiusPort,
        clients: [
          {
            name: 'fuzz',
            address: '127.0.0.1',
            secretEnv: 'RADIUS_FUZZ_SECRET',
            mode: 'second-factor',
            allowedUsers: ['*'],
          },
        ],
      },
    }),
  );
  child = spawnCli(['serve', '--config', site], {
    env: await serveEnv(dir, { RADIUS_FUZZ_SECRET: SECRET, FYRKANT_JOBS__TRUNK_HEALTH_CRON: '0 0 1 1 *' }),
  });
  const door = waitForJsonLine(child, (o) => o.msg === 'RADIUS door listening', 30_000);
  const up = await waitForJsonLine<{ url: string }>(child, (o) => o.fyrkant === 'listening', 30_000);
  await door.catch(() => undefined);

  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const answers: Buffer[] = [];
  socket.on('message', (m) => answers.push(m));
  const send = (b: Buffer) => new Promise<void>((r) => socket.send(b, radiusPort, '127.0.0.1', () => r()));
  const valid = requestFor('nobody');
  try {
    for (let i = 0; i < COUNT; i++) {
      await send(fuzzDatagram(i, valid));
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${up.url}/healthz`)).status).toBe(200);

    // A well-formed request for an unknown user is still answered: Access-Reject.
    const probe = requestFor('still-nobody');
    const before = answers.length;
    // Late answers to fuzz packets can carry the same 8-bit identifier: the probe's answer is the
    // Access-Reject whose authenticator verifies against the probe.
    const probeAnswer = () =>
      answers
        .slice(before)
        .find(
          (a) =>
            a[0] === 3 &&
            a[1] === 1 &&
            radius.verify_response({ request: probe, response: Buffer.from(a as Buffer), secret: SECRET }),
        );
    for (let i = 0; i < 50 && !probeAnswer(); i++) {
      await send(probe);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(probeAnswer()).toBeDefined();
  } finally {
    socket.close();
  }
  child.kill('SIGTERM');
  expect(await waitForExit(child, 15_000)).toBe(0);
});
