/**
 * A fake office phone for trying fyrkant without a PBX: a SIP user agent server on this machine that
 * answers OPTIONS (so the trunk shows as reachable) and INVITE, and after answering presses # as an
 * RFC 4733 telephone-event — what a person at a desk phone does when the call says "press #".
 *
 * Built from fyrkant's own embedded SIP/RTP pieces (transport + transactions, SDP offer/answer, the
 * RTP endpoint, the media pacer, the RFC 4733 sender and receiver), so it speaks exactly what the
 * embedded backend was tested to speak with sipp, baresip and kamailio. Not a softphone: no audio
 * device, no registration, one behaviour per start. A tester's tool, never part of `serve`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { CallMedia } from '../telephony/embedded/media/call-media';
import { Rfc4733Receiver } from '../telephony/embedded/media/dtmf/rfc4733-receiver';
import { Rfc4733Sender } from '../telephony/embedded/media/dtmf/rfc4733-sender';
import { RtpEndpoint } from '../telephony/embedded/media/rtp/endpoint';
import { PacingScheduler } from '../telephony/embedded/media/scheduler';
import { SdpNegotiator } from '../telephony/embedded/media/sdp/negotiate';
import { DEFAULT_SIP_LIMITS } from '../telephony/embedded/sip/limits';
import { silentLogger } from '../telephony/embedded/sip/logger';
import { createResponse, type SipRequest, type SipResponse } from '../telephony/embedded/sip/message';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../telephony/embedded/sip/options';
import { DEFAULT_TIMERS, type ServerTransaction } from '../telephony/embedded/sip/transaction';
import { SipCore } from '../telephony/embedded/sip/ua/core';
import { newTag } from '../telephony/embedded/sip/ua/ids';
import type { DtmfEvent } from '../telephony/port';

export interface FakePhoneOptions {
  /** Address to listen on (UDP and TCP). Default 127.0.0.1. */
  readonly host?: string;
  /** SIP port; 0 = any free port. Default 5080, where the default `sip.trunk.uri` points. */
  readonly port?: number;
  /** Ringing (180) before the 200 OK. */
  readonly answerAfterMs?: number;
  /** Keys pressed after answering (RFC 4733), e.g. `#` or `0#`. */
  readonly digits?: string;
  /** Wait this long after the answer — or after the last digit fyrkant sent (an extension) — before pressing. */
  readonly pressAfterMs?: number;
  /** Answer every INVITE with this final status instead (e.g. 486 busy) to see how fyrkant reports it. */
  readonly rejectWith?: number;
  /** What happens, one plain line at a time. */
  readonly log?: (line: string) => void;
}

interface ActiveCall {
  readonly callId: string;
  readonly media?: CallMedia;
  readonly socket?: Socket;
  readonly timers: Set<NodeJS.Timeout>;
  acked: boolean;
  pressed: boolean;
  ended: boolean;
  heard: string;
  /** The press planned last; a newer plan (after another digit from fyrkant) replaces it. */
  pressPlan?: symbol;
}

export class FakePhone {
  private readonly core: SipCore;
  private readonly scheduler = new PacingScheduler();
  private readonly calls = new Map<string, ActiveCall>();
  private readonly log: (line: string) => void;
  private readonly host: string;
  /** Calls that ended after the keys were pressed (for tests and the summary). */
  answered = 0;
  pressed = 0;

  constructor(private readonly options: FakePhoneOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.log = options.log ?? (() => {});
    this.core = new SipCore(
      {
        listenHost: this.host,
        listenPort: options.port ?? 5080,
        contactHost: this.host,
        transport: 'udp',
        timers: DEFAULT_TIMERS,
        userAgent: 'fyrkant fake-phone',
        maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
        rateLimit: { perSecond: 50, burst: 100 },
        limits: DEFAULT_SIP_LIMITS,
      },
      silentLogger,
    );
    this.core.host = {
      onInvite: (req, tx) => this.onInvite(req, tx),
      onDialogRequest: (req, tx) => this.onDialogRequest(req, tx),
      onStrayResponse: () => {},
    };
  }

  /** Listens; resolves with the SIP URI to put in `sip.trunk.uri`. */
  async start(): Promise<string> {
    await this.core.start();
    return this.uri;
  }

  get uri(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `sip:${host}:${this.core.port}`;
  }

  get port(): number {
    return this.core.port;
  }

  async stop(): Promise<void> {
    for (const call of this.calls.values()) this.end(call);
    this.scheduler.stop();
    await this.core.stop();
  }

  private onInvite(req: SipRequest, tx: ServerTransaction): void {
    const target = req.requestUri()?.text ?? '?';
    this.log(`INVITE ${target} (Call-ID ${req.callId})`);
    if (this.options.rejectWith) {
      this.core.respond(tx, this.options.rejectWith);
      this.log(`answered ${this.options.rejectWith} as told (--reject)`);
      return;
    }
    const toTag = newTag();
    this.core.respond(tx, 180, undefined, toTag);
    this.log('ringing');
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };
    later(this.options.answerAfterMs ?? 1000, () => {
      void this.answer(req, tx, toTag, timers, later).catch((err: Error) => {
        this.log(`could not answer: ${err.message}`);
        if (!tx.finalSent) this.core.respond(tx, 500, undefined, toTag);
      });
    });
  }

  private async answer(
    req: SipRequest,
    tx: ServerTransaction,
    toTag: string,
    timers: Set<NodeJS.Timeout>,
    later: (ms: number, fn: () => void) => void,
  ): Promise<void> {
    if (tx.finalSent) {
      this.log('the caller gave up before the answer (CANCEL)');
      return;
    }
    const socket = await bindRtp(this.host);
    const port = (socket.address() as { port: number }).port;
    const negotiator = new SdpNegotiator({ address: this.host, port });
    const { body, result } = negotiator.answerOffer(req.bodyText);
    if (!result.ok) {
      socket.close();
      this.core.respond(tx, 488, undefined, toTag);
      this.log(`refused the call: ${result.reason} (488)`);
      return;
    }
    const call: ActiveCall = {
      callId: req.callId,
      socket,
      timers,
      acked: false,
      pressed: false,
      ended: false,
      heard: '',
      media: undefined,
    };
    const te = result.media.telephoneEventPt;
    const receiver =
      te !== undefined
        ? new Rfc4733Receiver({ payloadType: te, onDigit: (e: DtmfEvent) => this.heard(call, e, later) })
        : undefined;
    let media: CallMedia | undefined;
    const endpoint = new RtpEndpoint({
      socket,
      port,
      now: () => performance.now(),
      onPacket: (h, d, a) => media?.onPacket(h, d, a),
    });
    media = new CallMedia({
      endpoint,
      scheduler: this.scheduler,
      media: result.media,
      ...(receiver ? { eventReceiver: receiver } : {}),
    });
    Object.assign(call, { media });
    this.calls.set(call.callId, call);

    const ok = (res: SipResponse) => {
      res.add('Contact', `<${this.core.contactUri('fake-phone', 'udp')}>`);
      res.add('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS');
      res.add('Content-Type', 'application/sdp');
      res.body = Buffer.from(body, 'utf8');
    };
    this.core.respond(tx, 200, ok, toTag);
    media.start();
    this.answered++;
    this.log(
      `answered: ${result.media.codec}, ${te !== undefined ? `telephone-event ${te}` : 'no telephone-event (cannot press keys)'}`,
    );
    // RFC 3261 §13.3.1.4: the UAS core repeats the 2xx (T1, doubling to T2) until the ACK comes.
    const resend = (interval: number, total: number) => {
      later(interval, () => {
        if (call.acked || call.ended) return;
        if (total + interval >= 64 * DEFAULT_TIMERS.t1) {
          this.log('no ACK for the 200 OK: giving up');
          this.end(call);
          return;
        }
        const again = tx.request;
        void this.core.send(lastOk(again, toTag, ok), tx.dest).catch(() => {});
        resend(Math.min(interval * 2, DEFAULT_TIMERS.t2), total + interval);
      });
    };
    resend(DEFAULT_TIMERS.t1, 0);
    if (te !== undefined) this.schedulePress(call, later);
  }

  /** Press after `pressAfterMs` of quiet: from the answer, and again from each digit fyrkant sends. */
  private schedulePress(call: ActiveCall, later: (ms: number, fn: () => void) => void): void {
    const plan = Symbol('press');
    call.pressPlan = plan;
    later(this.options.pressAfterMs ?? 2500, () => {
      if (call.ended || call.pressed || call.pressPlan !== plan || !call.media) return;
      call.pressed = true;
      const digits = this.options.digits ?? '#';
      const media = call.media;
      void media.sendEvents(new Rfc4733Sender(digits, { startTimestamp: media.nextTimestamp })).then(() => {
        this.pressed++;
        this.log(`pressed ${digits} (RFC 4733)`);
      });
    });
  }

  private heard(call: ActiveCall, e: DtmfEvent, later: (ms: number, fn: () => void) => void): void {
    call.heard += e.digit;
    this.log(`heard ${e.digit} from fyrkant (so far: ${call.heard})`);
    if (!call.pressed) this.schedulePress(call, later);
  }

  private onDialogRequest(req: SipRequest, tx: ServerTransaction | undefined): boolean {
    const call = this.calls.get(req.callId);
    if (!call) return false;
    if (req.method === 'ACK') {
      call.acked = true;
      return true;
    }
    if (!tx) return true;
    if (req.method === 'BYE') {
      this.core.respond(tx, 200);
      this.log('fyrkant hung up (BYE)');
      this.end(call);
      return true;
    }
    // re-INVITE/UPDATE/INFO: nothing to change in a fake phone; say yes without a new offer.
    this.core.respond(tx, req.method === 'INVITE' ? 488 : 200);
    return true;
  }

  private end(call: ActiveCall): void {
    if (call.ended) return;
    call.ended = true;
    for (const t of call.timers) clearTimeout(t);
    call.timers.clear();
    call.media?.close();
    this.calls.delete(call.callId);
  }
}

function lastOk(request: SipRequest, toTag: string, fill: (res: SipResponse) => void): SipResponse {
  const res = createResponse(request, 200, undefined, toTag);
  res.add('Server', 'fyrkant fake-phone');
  fill(res);
  return res;
}

function bindRtp(host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
