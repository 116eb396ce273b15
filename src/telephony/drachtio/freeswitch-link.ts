/**
 * The connection to FreeSWITCH through drachtio-fsmrf: its event socket, plus the listener FreeSWITCH
 * calls back for each endpoint. Once connected, drachtio-modesl reconnects the event socket by itself.
 *
 * Why a login probe before each attempt: when `Mrf#connect` fails (FreeSWITCH down, wrong password),
 * drachtio-modesl's connection keeps reconnecting in the background forever — with a wrong password
 * the promise never even settles — and a later success would build a media server nobody owns.
 * Logging in ourselves first keeps `Mrf#connect` for a FreeSWITCH that just accepted us; the timeout
 * covers the rare race left.
 *
 * Why we track the connection ourselves: seen with drachtio-fsmrf 5.0.1 against FreeSWITCH 1.10.12,
 * `MediaServer#connected()` stayed true 6–11 s after FreeSWITCH exited, and a dial in that window
 * failed in 9 ms with nothing said. So the media server's `end` event (socket closed) and a heartbeat
 * (`api status` every `heartbeatMs`, unanswered within the same time = lost) mark the link down at
 * once; we drop that media server and reconnect with our own backoff, and `lastError` says why.
 */
import { connect as tcpConnect } from 'node:net';
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { DrachtioBackendOptions } from './options';

export type FreeswitchLinkState =
  | { readonly name: 'idle' }
  | { readonly name: 'connecting'; readonly attempt: number; readonly lastError?: string }
  | { readonly name: 'connected'; readonly ms: Mrf.MediaServer; readonly since: number }
  | { readonly name: 'stopped' };

export type ProbeResult = 'ok' | 'unreachable' | 'bad-password';

/**
 * Logs in to the event socket and out again: `ok` if FreeSWITCH accepts the password, `bad-password`
 * if it answers `-ERR`, `unreachable` if nothing ESL-speaking answers in time. The password is only
 * written to FreeSWITCH's socket, never logged.
 */
export function probeEventSocket(
  host: string,
  port: number,
  password: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    let seen = '';
    let authSent = false;
    const finish = (r: ProbeResult) => {
      clearTimeout(timer);
      if (r === 'ok') socket.end('exit\n\n');
      else socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('unreachable'), timeoutMs);
    socket.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (!authSent && seen.includes('auth/request')) {
        authSent = true;
        seen = '';
        socket.write(`auth ${password}\n\n`);
        return;
      }
      if (authSent) {
        const reply = /Reply-Text: ([^\n]*)/.exec(seen)?.[1];
        if (reply !== undefined) finish(decodeURIComponent(reply).startsWith('+OK') ? 'ok' : 'bad-password');
      }
      if (seen.length > 8192) finish('unreachable');
    });
    socket.on('error', () => finish('unreachable'));
    socket.on('close', () => finish(authSent ? 'bad-password' : 'unreachable'));
  });
}

export class FreeswitchLink {
  private current: FreeswitchLinkState = { name: 'idle' };
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
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

  /** Why FreeSWITCH is not usable right now, for health and failed dials. */
  get downReason(): string | undefined {
    const s = this.current;
    if (s.name === 'connected') return s.ms.connected() ? undefined : 'event socket not connected';
    if (s.name === 'connecting') return s.lastError ?? 'connecting';
    return s.name;
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
    const probe = await probeEventSocket(address, port, this.options.secret, timeoutMs);
    if (probe === 'unreachable') {
      error = `no FreeSWITCH event socket at ${address}:${port}`;
    } else if (probe === 'bad-password') {
      error = `FreeSWITCH at ${address}:${port} rejected the event-socket password`;
    } else {
      try {
        const ms = await this.connectOnce(timeoutMs);
        if (this.isStopped()) {
          ms.disconnect();
          return;
        }
        ms.on('error', (err) => this.log('warn', 'FreeSWITCH media server error', { error: err.message }));
        ms.on('end', () => this.lost(ms, 'the FreeSWITCH event socket closed'));
        this.set({ name: 'connected', ms, since: Date.now() });
        this.log('info', 'connected to FreeSWITCH', { address, port });
        this.startHeartbeat(ms);
        return;
      } catch (err) {
        error = (err as Error).message;
      }
    }
    if (this.isStopped()) return;
    this.set({ name: 'connecting', attempt: n, lastError: error });
    const base = this.options.retryDelayMs ?? 1000;
    const delay = Math.min(10_000, base * 2 ** Math.min(n - 1, 10));
    this.log('warn', 'FreeSWITCH not reachable; retrying', { attempt: n, delayMs: delay, error });
    this.retryTimer = setTimeout(() => void this.attempt(n + 1), delay);
  }

  /** The event socket of `ms` is gone: drop it (drachtio-modesl's own retry included) and reconnect. */
  private lost(ms: Mrf.MediaServer, why: string): void {
    const s = this.current;
    if (s.name !== 'connected' || s.ms !== ms) return;
    clearTimeout(this.heartbeatTimer);
    try {
      ms.disconnect();
    } catch {
      // Already gone.
    }
    this.log('error', 'lost FreeSWITCH; reconnecting', { error: why });
    this.set({ name: 'connecting', attempt: 1, lastError: why });
    const base = this.options.retryDelayMs ?? 1000;
    this.retryTimer = setTimeout(() => void this.attempt(1), Math.min(base, 1000));
  }

  private startHeartbeat(ms: Mrf.MediaServer): void {
    const every = this.options.heartbeatMs ?? 2000;
    const beat = () => {
      this.heartbeatTimer = setTimeout(async () => {
        const s = this.current;
        if (s.name !== 'connected' || s.ms !== ms) return;
        let timer: NodeJS.Timeout | undefined;
        const answered = await Promise.race([
          ms.api('status').then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), every);
          }),
        ]);
        clearTimeout(timer);
        if (!answered) this.lost(ms, `FreeSWITCH did not answer the event-socket heartbeat within ${every} ms`);
        else beat();
      }, every);
    };
    beat();
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
    clearTimeout(this.heartbeatTimer);
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
