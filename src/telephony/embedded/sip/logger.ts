/** The logging the SIP core needs; pino's logger fits it. Nothing secret is passed in. */
export interface SipLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: SipLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
