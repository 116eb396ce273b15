/**
 * Options of the drachtio backend: a plain typed object. The app layer builds it from the validated
 * config (this adapter does not import the config module, so it can be tested and embedded alone).
 */
export interface DrachtioBackendOptions {
  /** drachtio-server's admin (control) connection. */
  readonly drachtio: {
    readonly host: string;
    readonly port: number;
    readonly secret: string;
    /** Upper bound for drachtio-srf's reconnect backoff (it starts at 150 ms and grows ×1.7). Default 10 s. */
    readonly maxReconnectDelayMs?: number;
  };
  /** FreeSWITCH's event socket and where it calls back for each endpoint (drachtio-fsmrf). */
  readonly freeswitch: {
    readonly address: string;
    readonly port: number;
    readonly secret: string;
    /** Local address/port we listen on for FreeSWITCH's outbound ESL connections (port 0 = any). */
    readonly listenAddress: string;
    readonly listenPort: number;
    /** What FreeSWITCH connects back to, when it differs from the listen address (containers, NAT). */
    readonly advertisedAddress?: string;
    readonly advertisedPort?: number;
    /** sofia profile for endpoints; the drachtio-freeswitch-mrf image uses `drachtio_mrf`. */
    readonly profile?: string;
    /** Give up one connect attempt after this long (drachtio-fsmrf never settles on a bad password). Default 5 s. */
    readonly connectTimeoutMs?: number;
    /** Delay between attempts to (re)connect FreeSWITCH's event socket: starts here, doubles, capped at 10 s. Default 1 s. */
    readonly retryDelayMs?: number;
    /**
     * How often the event socket is checked with `api status` while connected; no answer within the
     * same time counts as lost. Default 2 s (so health is red within ~4 s of a hung FreeSWITCH).
     */
    readonly heartbeatMs?: number;
  };
  /** How calls leave toward the PBX / SIP trunk. */
  readonly trunk: {
    /** Outbound proxy for every INVITE, e.g. `sip:10.0.0.5:5060` (otherwise the request URI's host). */
    readonly proxy?: string;
    /** Digest credentials used when the PBX challenges (401/407). */
    readonly auth?: { readonly username: string; readonly password: string };
    /** From identity; the request's `callerId` overrides user/display name. */
    readonly from?: { readonly user: string; readonly host: string; readonly displayName?: string };
    /** Headers added to every INVITE (the request's own headers win). */
    readonly headers?: Readonly<Record<string, string>>;
    /** Target of SIP OPTIONS for `health({probe: true})`, e.g. `sip:pbx.example.com`. */
    readonly probeUri?: string;
  };
  readonly media: {
    /**
     * Offer SRTP toward the PBX (FreeSWITCH's own SAVP+AVP offer). Default false: plain RTP/AVP, no
     * `a=crypto`, built by us (see media-setup.ts for why FreeSWITCH's offer is not used).
     */
    readonly srtp?: boolean;
    /** G.711 codecs offered to the PBX, in order of preference; telephone-event is always added. Default PCMU, PCMA. */
    readonly codecs?: ReadonlyArray<'PCMU' | 'PCMA'>;
    /**
     * How digits (the extension) go to the PBX: `rfc4733` when negotiated and in-band tones otherwise
     * (default), always `inband`, or `info` (SIP INFO on the PBX leg).
     */
    readonly dtmfSend?: 'rfc4733' | 'inband' | 'info';
    /** The prompt cache directory as fyrkant sees it … */
    readonly promptDirLocal: string;
    /** … and the same directory as FreeSWITCH sees it (a shared volume). */
    readonly promptDirRemote: string;
    /** In-band DTMF detection (`start_dtmf`): `auto` = only when the PBX did not negotiate telephone-event. */
    readonly inbandDtmf?: 'auto' | 'always' | 'never';
  };
  /** Structured log sink; nothing secret is passed to it. */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}
