/**
 * A listening port someone else already holds. Start-up stops with one line that names the setting
 * and the environment variable to change — never a stack trace.
 */
export interface PortSetting {
  /** What listens, in words: "HTTP", "SIP". */
  readonly what: string;
  /** Config key path, e.g. `http.port`. */
  readonly key: string;
  /** The matching environment variable, e.g. `FYRKANT_HTTP__PORT`. */
  readonly env: string;
}

export const HTTP_PORT: PortSetting = { what: 'HTTP', key: 'http.port', env: 'FYRKANT_HTTP__PORT' };
export const SIP_PORT: PortSetting = { what: 'SIP', key: 'sip.port', env: 'FYRKANT_SIP__PORT' };

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly setting: PortSetting,
    readonly address: string,
    readonly port: number,
  ) {
    super(
      `the ${setting.what} port ${address}:${port} is already in use (another fyrkant or another program listens there) — change ${setting.key} in your site config or set ${setting.env}=<free port>`,
    );
  }
}

/** True for the error Node gives when a bind/listen finds the address taken. */
export function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

/** Rethrows an EADDRINUSE as a `PortInUseError` for `setting`; anything else unchanged. */
export function explainBindError(err: unknown, setting: PortSetting, address: string, port: number): unknown {
  if (!isAddressInUse(err)) return err;
  const e = err as { port?: unknown; address?: unknown };
  return new PortInUseError(
    setting,
    typeof e.address === 'string' ? e.address : address,
    typeof e.port === 'number' ? e.port : port,
  );
}
