/**
 * Compile-time checks of our drachtio declarations (src/types): each `@ts-expect-error` line is a
 * misuse that must NOT compile; `tsc --noEmit` (run by `npm test`) fails if one of them does.
 * Jest does not run this file; it only has to type-check.
 */
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';

export async function misuse(srf: Srf, ms: Mrf.MediaServer, ep: Mrf.Endpoint): Promise<void> {
  // @ts-expect-error connect() returns the app, not a Promise (the shipped typings say Promise<void>)
  await srf.connect({ host: '127.0.0.1', port: 9022, secret: 's' }).then(() => undefined);
  // @ts-expect-error port is required: drachtio-srf documents 9022 but does not apply it
  srf.connect({ host: '127.0.0.1', secret: 's' });
  await srf.createUAC(
    'sip:1@127.0.0.1',
    {},
    {
      // @ts-expect-error cbRequest is called as (err, req), not (req)
      cbRequest: (req: Srf.SrfRequest) => req.cancel(),
    },
  );
  srf.createUAC('sip:1@127.0.0.1', {}, { cbRequest: (err, req) => (err ? undefined : req.cancel()) });
  // @ts-expect-error digest credentials need both username and password
  srf.createUAC('sip:1@127.0.0.1', { auth: { username: 'u' } });
  // @ts-expect-error createEndpoint takes options, not a remote SDP string
  await ms.createEndpoint('v=0');
  // @ts-expect-error only channel variables we know are settable
  await ep.set('playback_terminatorz', 'none');
  // @ts-expect-error execute takes the FreeSWITCH applications we use
  await ep.execute('sendDtmf', '1@100');
  // @ts-expect-error Mrf#connect needs the call-back listen address and port
  await new Mrf(srf).connect({ address: '127.0.0.1', port: 8021, secret: 's' });
  ep.on('dtmf', (args) => {
    // @ts-expect-error the digit is `dtmf`, not `digit`
    void args.digit;
  });
}
