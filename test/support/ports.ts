import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A port free for both UDP and TCP on 127.0.0.1, chosen by the OS. Other sessions may share the
 * machine, so tests never use fixed ports such as 5060.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port found on 127.0.0.1');
}

/** An even port with port+1 also free (RTP/RTCP pairs, sipp -mp). */
export async function freeEvenPortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    const even = p % 2 === 0 ? p : p + 1;
    const ok = await Promise.all([udpFree(even), udpFree(even + 1)]);
    if (ok[0] && ok[1]) return even;
  }
  throw new Error('no free even UDP port pair found on 127.0.0.1');
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
