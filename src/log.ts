/**
 * Structured logging (pino). Every line about a call carries `attemptId` and the SIP `callId`
 * (use `callLogger`). Secrets never reach the output: known secret fields are censored by pino's
 * redaction, and SIP auth headers / bearer tokens inside message strings are scrubbed.
 */
import pino from 'pino';
import { redactSipText, redactTokens, redactUrl } from './redact';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

/** Field paths censored wherever they appear (up to two wildcard levels, plus common nestings). */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'apiKey',
  'authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.*.password',
  '*.*.secret',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'config.sip.trunk.password',
  'config.drachtio.secret',
  'config.drachtio.freeswitch.secret',
  'config.http.sessionSecret',
  'config.employeeSignIn.oidc.clientSecret',
  'config.employeeSignIn.ldap.searchBindPassword',
];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; default stdout. Tests pass a stream to inspect the output. */
  readonly destination?: pino.DestinationStream;
  readonly name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'fyrkant',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        // A SIP message or header pasted into a log message is scrubbed too.
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? redactTokens(redactSipText(a)) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: pino.stdSerializers.err,
        // Fastify's request fields, with credentials in the URL (OIDC code/state, enrollment tokens) removed.
        req: (req: {
          method?: string;
          url?: string;
          host?: string;
          ip?: string;
          socket?: { remotePort?: number };
        }) => ({
          method: req.method,
          url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger for one call: every line carries the attempt id and (once known) the SIP Call-ID. */
export function callLogger(
  parent: Logger,
  ids: { readonly attemptId: string; readonly callId?: string | undefined },
): Logger {
  return parent.child(ids.callId ? { attemptId: ids.attemptId, callId: ids.callId } : { attemptId: ids.attemptId });
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
