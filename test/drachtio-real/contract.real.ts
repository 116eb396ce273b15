/** THE telephony-port contract suite on the drachtio backend against REAL drachtio-server + FreeSWITCH. */
import { describeTelephonyPortContract } from '../contract/telephony-port';
import { realHarness } from './harness';
import { realServers } from './real-env';

const real = realServers();
describeTelephonyPortContract(`drachtio backend + real servers (${real.versions || 'versions not given'}) + sipp`, () =>
  realHarness(),
);
