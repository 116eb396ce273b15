/**
 * Plain one-line hints for whoever runs fyrkant in a terminal: how to get the first admin key, and
 * what to change when the trunk does not answer. Each says what to do, not only what is wrong.
 */
import type { Config } from '../config/schema';

/** Said once (in the trunk-health job's failure) when the trunk does not answer SIP OPTIONS. */
export function trunkAdvice(config: Config): string {
  const uri = config.sip.trunk.uri ?? '(none)';
  return `the trunk ${uri} does not answer SIP OPTIONS — set sip.trunk.uri (FYRKANT_SIP__TRUNK__URI) to your PBX or SIP trunk, or run "fyrkant fake-phone" to try fyrkant without one`;
}

/**
 * The first-run line: no admin key exists yet. `configFile` is the `--config` the server was started
 * with, so the command writes the key into the same database.
 */
export function firstRunLine(url: string, configFile: string | undefined): string {
  const config = configFile ? ` --config ${quoteArg(configFile)}` : '';
  return `fyrkant: no admin key yet — create one with "fyrkant apikey create --name admin --scope admin${config}", then open ${url}/admin/login and sign in with it`;
}

function quoteArg(s: string): string {
  return /^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
