/**
 * Our own declarations for the parts of drachtio-srf 5.x that fyrkant uses, written from the code in
 * node_modules/drachtio-srf/lib. They replace the shipped `lib/@types` (an ambient module declaration
 * wins over the package's `types`), which are wrong where it matters to us:
 * - `createUAC`'s `cbRequest` is called as `(err, req)`, not `(req)` (srf.js `launchRequest`);
 * - `connect()` returns the drachtio app synchronously, not a Promise — success is the `connect`
 *   event `(err, hostport, serverVersion)`; `port` must always be passed (9022 is not applied);
 * - `tls`, `reconnect`, `enablePing`, `pingInterval` are missing.
 * Only what we call is declared, and narrowly (e.g. no `any`), so that misuse does not compile.
 */
declare module 'drachtio-srf' {
  import type { EventEmitter } from 'node:events';
  import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

  namespace Srf {
    /** Options of `srf.connect` as wire-protocol.js reads them. */
    interface ConnectOptions {
      readonly host: string;
      /** Required in practice: the documented default 9022 is not applied by the code. */
      readonly port: number;
      readonly secret: string;
      readonly tls?: TlsConnectionOptions;
      /** Reconnect tuning (wire-protocol.js `_onConnectionGone`): delay grows ×1.7 from 150 ms. */
      readonly reconnect?: {
        readonly retryMaxDelay?: number;
        readonly maxAttempts?: number;
        readonly connectTimeout?: number;
      };
      readonly enablePing?: boolean;
      /** 5000–300000 ms (asserted by the library). */
      readonly pingInterval?: number;
    }

    /** Common read side of requests and responses (delegated to the parsed SipMessage). */
    interface SipMessageView {
      /** Header value by case-insensitive name (compact forms resolved). */
      get(name: string): string | undefined;
      has(name: string): boolean;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string | undefined;
      /** The whole message as it went over the wire, when the server sent it to us. */
      readonly raw: string | undefined;
    }

    /** A request: sent by us (`source: 'application'`) or received (`'network'`). */
    interface SrfRequestEvents {
      /** Each response to a request we sent; `ack` is drachtio's ACK/PRACK sender (already used by createUAC). */
      response: [res: SrfResponse, ack: () => void];
      /** After a 401/407 drachtio-srf re-sent the request with credentials; this is the new request. */
      authenticate: [req: SrfRequest];
    }

    interface SrfRequest extends SipMessageView, EventEmitter<SrfRequestEvents> {
      readonly method: string;
      readonly uri: string;
      readonly source: 'network' | 'application';
      readonly source_address: string;
      readonly source_port: number;
      readonly protocol: string;
      readonly stackTxnId: string;
      readonly stackDialogId: string | undefined;
      /**
       * CANCEL an INVITE we sent (only valid for `source: 'application'`; throws otherwise). The
       * callback gets the CANCEL as drachtio-server sent it.
       */
      cancel(
        opts?: { readonly headers?: Readonly<Record<string, string>> },
        callback?: (err: Error | null, cancel: SrfRequest) => void,
      ): void;
    }

    /** A response: received from the network, or the one we send for an incoming request. */
    interface SrfResponse extends SipMessageView {
      readonly status: number;
      readonly reason: string;
      readonly source_address: string;
      readonly source_port: number;
      readonly protocol: string;
      send(
        status: number,
        opts?: { readonly headers?: Readonly<Record<string, string>>; readonly body?: string },
      ): void;
    }

    /** Digest credentials (MD5; the library answers 401/407 once per request). */
    interface DigestCredentials {
      readonly username: string;
      readonly password: string;
    }

    interface CreateUACOptions {
      /** SDP offer; without it drachtio-srf does a late-offer (3pcc) INVITE. */
      readonly localSdp?: string;
      /** Send via this outbound proxy (`sip:host:port` or `host:port`). */
      readonly proxy?: string;
      readonly auth?: DigestCredentials;
      /** Extra headers; `From` / `Contact` here override drachtio's defaults. */
      readonly headers?: Readonly<Record<string, string>>;
      readonly callingNumber?: string;
      readonly callingName?: string;
      readonly followRedirects?: boolean;
    }

    interface UACProgressCallbacks {
      /** Called once the INVITE is on the wire — or with an error if sending failed. */
      readonly cbRequest?: (err: Error | null, req: SrfRequest) => void;
      /** Every 1xx response. */
      readonly cbProvisional?: (res: SrfResponse) => void;
    }

    interface DialogEvents {
      destroy: [req: SrfRequest, reason?: string];
      info: [req: SrfRequest, res: SrfResponse];
      modify: [req: SrfRequest, res: SrfResponse];
      ack: [req: SrfRequest];
    }

    /** A SIP dialog (dialog.js). */
    interface Dialog extends EventEmitter<DialogEvents> {
      readonly id: string;
      readonly type: 'uac' | 'uas';
      readonly connected: boolean;
      readonly sip: { readonly callId: string; readonly localTag: string; readonly remoteTag: string };
      readonly local: { readonly uri: string; readonly sdp: string; readonly contact: string };
      readonly remote: { readonly uri: string; readonly sdp: string };
      /** The INVITE that created the dialog and its final response. */
      readonly req: SrfRequest;
      readonly res: SrfResponse;
      /** Sends BYE; resolves with the BYE request once it was answered. */
      destroy(opts?: { readonly headers?: Readonly<Record<string, string>> }): Promise<SrfRequest>;
      /** Sends a re-INVITE with this SDP; resolves with the far end's answer. */
      modify(sdp: string): Promise<string>;
      /** An in-dialog request (INFO, OPTIONS, …); resolves with the final response. */
      request(opts: {
        readonly method: 'INFO' | 'OPTIONS' | 'MESSAGE' | 'NOTIFY' | 'UPDATE';
        readonly headers?: Readonly<Record<string, string>>;
        readonly body?: string;
      }): Promise<SrfResponse>;
    }

    /** Rejection of createUAC & co. for a non-2xx final response (sip_error.js). */
    class SipError extends Error {
      constructor(status: number, reason?: string);
      readonly status: number;
      readonly reason?: string;
      /** The final response, when there was one. */
      res?: SrfResponse;
    }

    interface SrfEvents {
      connect: [err: Error | null, hostport: string, serverVersion?: string | null];
      reconnecting: [opts: { readonly delay: number; readonly attempt: number }];
      error: [err: Error];
      close: [];
    }

    /** What `connect()` returns: the underlying drachtio app (an emitter), not a Promise. */
    interface App {
      readonly client?: unknown;
    }
  }

  class Srf extends EventEmitter<Srf.SrfEvents> {
    constructor(tags?: string | readonly string[]);
    connect(opts: Srf.ConnectOptions): Srf.App;
    /** Closes the connection to drachtio-server and stops reconnecting. */
    disconnect(): void;
    createUAC(uri: string, opts: Srf.CreateUACOptions, callbacks?: Srf.UACProgressCallbacks): Promise<Srf.Dialog>;
    /** An out-of-dialog request (e.g. OPTIONS to probe the trunk). Resolves once sent. */
    request(
      uri: string,
      opts: {
        readonly method: 'OPTIONS' | 'MESSAGE' | 'INFO';
        readonly headers?: Readonly<Record<string, string>>;
        readonly proxy?: string;
        readonly body?: string;
      },
    ): Promise<Srf.SrfRequest>;
    /**
     * Callback form: the callback runs synchronously when drachtio-server confirms the send, so a
     * `response` listener added there cannot miss a response that arrives in the same TCP read
     * (with the Promise form it can).
     */
    request(
      uri: string,
      opts: {
        readonly method: 'OPTIONS' | 'MESSAGE' | 'INFO';
        readonly headers?: Readonly<Record<string, string>>;
        readonly proxy?: string;
        readonly body?: string;
      },
      callback: (err: Error | null, req: Srf.SrfRequest) => void,
    ): this;
    static readonly SipError: typeof Srf.SipError;
  }

  export = Srf;
}
