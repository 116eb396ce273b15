/**
 * Our declarations for the parts of drachtio-fsmrf 5.x (which ships no types) that fyrkant uses,
 * written from node_modules/drachtio-fsmrf/lib (mrf.js, mediaserver.js, endpoint.js) and
 * drachtio-modesl's Event. Narrow on purpose: only the calls the production backend makes.
 */
declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events';

  import type Srf = require('drachtio-srf');

  namespace Mrf {
    interface ConnectOptions {
      /** FreeSWITCH event socket address. */
      readonly address: string;
      /** Event socket port (FreeSWITCH default 8021). */
      readonly port: number;
      /** Event socket password (the mrf image sets it with `--password`; it is not `ClueCon`). */
      readonly secret: string;
      /** Where we listen for FreeSWITCH's outbound ESL call-back per endpoint (0 = any port). */
      readonly listenAddress: string;
      readonly listenPort: number;
      /** What FreeSWITCH is told to connect back to (`X-esl-outbound`), when it differs (NAT, containers). */
      readonly advertisedAddress?: string;
      readonly advertisedPort?: number;
      /** sofia profile to send endpoint INVITEs to (found with `sofia status`). Default `drachtio_mrf`. */
      readonly profile?: string;
    }

    /** A FreeSWITCH event (drachtio-modesl Event). */
    interface EslEvent {
      getHeader(name: string): string | undefined;
      getBody(): string;
    }

    interface CreateEndpointOptions {
      /** Far end's SDP; omit for a third-party-call-control endpoint that makes the offer. */
      readonly remoteSdp?: string;
      readonly codecs?: readonly string[];
      /** Extra SIP headers on the INVITE to FreeSWITCH. */
      readonly headers?: Readonly<Record<string, string>>;
    }

    interface DtmfEventArgs {
      readonly dtmf: string;
      /** As FreeSWITCH reports it, a string of samples/ms. */
      readonly duration: string | undefined;
      /** `RTP`, `INBAND_AUDIO`, `APP`, … */
      readonly source: string | undefined;
      readonly ssrc?: string;
    }

    interface EndpointEvents {
      dtmf: [args: DtmfEventArgs];
      destroy: [args?: { readonly reason?: string }];
      'playback-start': [args: { readonly file?: string }];
      'playback-stop': [args: { readonly file?: string }];
      channelCallState: [args: { readonly state: string }];
    }

    interface PlayResult {
      readonly playbackSeconds: string | undefined;
      readonly playbackMilliseconds: string | undefined;
      readonly playbackLastOffsetPos: string | undefined;
    }

    /** Channel variables FreeSWITCH applications read (the subset we set). */
    type ChannelVariable =
      | 'playback_terminators'
      | 'rtp_secure_media'
      | 'rtp_secure_media_inbound'
      | 'rtp_secure_media_outbound'
      | 'playback_delimiter';

    /** FreeSWITCH dialplan applications we execute on an endpoint. */
    type Application = 'send_dtmf' | 'start_dtmf' | 'stop_dtmf' | 'playback' | 'break' | 'hangup' | 'set';

    /** A FreeSWITCH channel controlled over its outbound ESL connection (endpoint.js). */
    class Endpoint extends EventEmitter<EndpointEvents> {
      private constructor();
      readonly uuid: string;
      readonly connected: boolean;
      readonly secure: boolean;
      /** `local.sdp` is FreeSWITCH's SDP (its offer for a 3pcc endpoint). */
      readonly local: { readonly sdp: string; readonly mediaIp?: string; readonly mediaPort?: string };
      readonly remote: { readonly sdp?: string; readonly mediaIp?: string; readonly mediaPort?: string };
      readonly dtmfType: string | undefined;
      readonly sip: { readonly callId?: string };
      /** The SIP dialog between drachtio and FreeSWITCH for this endpoint. */
      readonly dialog: Srf.Dialog;
      /** Re-INVITE FreeSWITCH with the far end's SDP. */
      modify(sdp: string): Promise<string>;
      play(file: string | readonly string[]): Promise<PlayResult>;
      set(name: ChannelVariable, value: string): Promise<void>;
      execute(app: Application, arg?: string): Promise<EslEvent>;
      /** A FreeSWITCH API command run on behalf of this endpoint (e.g. `uuid_break`). */
      api(command: 'uuid_break' | 'uuid_dump', args: string): Promise<EslEvent>;
      /** Hangs the channel up and waits for FreeSWITCH's BYE. */
      destroy(): Promise<void>;
    }

    interface MediaServerEvents {
      end: [];
      error: [err: Error];
      'channel::open': [info: { readonly uuid: string; readonly countOfConnections: number }];
      'channel::close': [info: { readonly uuid?: string; readonly countOfConnections: number }];
    }

    class MediaServer extends EventEmitter<MediaServerEvents> {
      private constructor();
      readonly address: string;
      readonly listenAddress: string;
      readonly listenPort: number;
      readonly currentSessions: number;
      readonly maxSessions: number;
      /** True while the inbound event socket is connected. */
      connected(): boolean;
      createEndpoint(opts?: CreateEndpointOptions): Promise<Endpoint>;
      api(command: string): Promise<string>;
      disconnect(): void;
    }
  }

  class Mrf extends EventEmitter {
    constructor(srf: Srf);
    /** Never settles if FreeSWITCH rejects the password (modesl keeps reconnecting): wrap it in a timeout. */
    connect(opts: Mrf.ConnectOptions): Promise<Mrf.MediaServer>;
  }

  export = Mrf;
}
