/**
 * The connection to FreeSWITCH through drachtio-fsmrf: its event socket, plus the listener FreeSWITCH
 * calls back for each endpoint. Once connected, drachtio-modesl reconnects the event socket by itself.
 *
 * Why the TCP probe before each attempt: `Mrf#connect` leaves drachtio-modesl's connection retrying
 * in the background when the first attempt fails, and would later build a second media server nobody
 * owns. Probing first (and waiting for FreeSWITCH's `auth/request` greeting) keeps that to the rare
 * case of a server that greets and then fails; a wrong password never settles at all, hence the
 * timeout.
 */
import { connect as tcpConnect } from 'node:net';
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { DrachtioBackendOptions } from './options';

export type FreeswitchLinkState =
  | { readonly name: 'idle' }
  | { readonly name: 'connecting'; readonly attempt: number; readonly lastError?: string }
  | { readonly name: 'connected'; readonly ms: Mrf.MediaServer }
  | { readonly name: 'stopped' };

/** Resolves true if something that talks ESL (sends `Content-Type: auth/request`) is listening. */
export function probeEventSocket(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    let seen = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (seen.includes('auth/request')) finish(true);
      else if (seen.length > 4096) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

export class FreeswitchLink {
  private current: FreeswitchLinkState = { name: 'idle' };
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly mrf: Mrf;
  private readonly waiters = new Set<() => void>();

  constructor(
    srf: Srf,
    private readonly options: DrachtioBackendOptions['freeswitch'],
    private readonly log: NonNullable<DrachtioBackendOptions['log']>,
  ) {
    this.mrf = new Mrf(srf);
  }

  get state(): FreeswitchLinkState {
    return this.current;
  }

  /** The media server, if the event socket is up right now. */
  get mediaServer(): Mrf.MediaServer | undefined {
    return this.current.name === 'connected' && this.current.ms.connected() ? this.current.ms : undefined;
  }

  /** A method, not a narrowed field read: stop() may run while an attempt awaits. */
  private isStopped(): boolean {
    return this.current.name === 'stopped';
  }

  private set(state: FreeswitchLinkState): void {
    this.current = state;
    for (const w of [...this.waiters]) w();
  }

  connect(): void {
    void this.attempt(1);
  }

  private async attempt(n: number): Promise<void> {
    if (this.isStopped()) return;
    const { address, port } = this.options;
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    this.set({ name: 'connecting', attempt: n, ...this.lastError() });
    let error: string;
    if (!(await probeEventSocket(address, port, timeoutMs))) {
      error = `no FreeSWITCH event socket at ${address}:${port}`;
    } else {
      try {
        const ms = await this.connectOnce(timeoutMs);
        if (this.isStopped()) {
          ms.disconnect();
          return;
        }
        ms.on('error', (err) => this.log('warn', 'FreeSWITCH media server error', { error: err.message }));
        ms.on('end', () => this.log('warn', 'lost the FreeSWITCH event socket; drachtio-modesl reconnects', {}));
        this.set({ name: 'connected', ms });
        this.log('info', 'connected to FreeSWITCH', { address, port });
        return;
      } catch (err) {
        error = (err as Error).message;
      }
    }
    if (this.isStopped()) return;
    this.set({ name: 'connecting', attempt: n, lastError: error });
    const base = this.options.retryDelayMs ?? 1000;
    const delay = Math.min(30_000, base * 2 ** Math.min(n - 1, 10));
    this.log('warn', 'FreeSWITCH not reachable; retrying', { attempt: n, delayMs: delay, error });
    this.retryTimer = setTimeout(() => void this.attempt(n + 1), delay);
  }

  private lastError(): { lastError?: string } {
    return this.current.name === 'connecting' && this.current.lastError ? { lastError: this.current.lastError } : {};
  }

  private connectOnce(timeoutMs: number): Promise<Mrf.MediaServer> {
    const o = this.options;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`FreeSWITCH did not accept the event socket login within ${timeoutMs} ms (password?)`)),
        timeoutMs,
      );
      this.mrf
        .connect({
          address: o.address,
          port: o.port,
          secret: o.secret,
          listenAddress: o.listenAddress,
          listenPort: o.listenPort,
          ...(o.advertisedAddress ? { advertisedAddress: o.advertisedAddress } : {}),
          ...(o.advertisedPort ? { advertisedPort: o.advertisedPort } : {}),
          profile: o.profile ?? 'drachtio_mrf',
        })
        .then(
          (ms) => {
            clearTimeout(timer);
            resolve(ms);
          },
          (err: Error) => {
            clearTimeout(timer);
            reject(err);
          },
        );
    });
  }

  whenConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.current.name === 'connected') done(undefined);
        else if (this.isStopped()) done(new Error('stopped'));
      };
      const timer = setTimeout(() => {
        const why = this.current.name === 'connecting' && this.current.lastError ? ` (${this.current.lastError})` : '';
        done(new Error(`no connection to FreeSWITCH at ${this.options.address}:${this.options.port}${why}`));
      }, timeoutMs);
      const done = (err: Error | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    const s = this.current;
    this.set({ name: 'stopped' });
    if (s.name === 'connected') {
      try {
        s.ms.disconnect();
      } catch {
        // Already gone.
      }
    }
  }
}
