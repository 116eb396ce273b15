/** The telephony-port contract suite, run on the drachtio backend against the protocol doubles. */
import { describeTelephonyPortContract } from '../contract/telephony-port';
import { startRig } from './rig';

describeTelephonyPortContract('drachtio backend + drachtio-server/FreeSWITCH doubles', () => startRig());
