/** Transport addresses and where responses go (RFC 3261 §18.2.2, RFC 3581). */
import { isIP } from 'node:net';
import type { Via } from '../message';

export type TransportName = 'udp' | 'tcp';

export interface TransportAddress {
  readonly transport: TransportName;
  readonly host: string;
  readonly port: number;
}

export function formatAddress(a: TransportAddress): string {
  return `${a.transport}:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

export function transportOf(name: string | undefined): TransportName | undefined {
  const n = name?.toLowerCase();
  return n === 'udp' || n === 'tcp' ? n : undefined;
}

/**
 * Where to send a response to a request that arrived from `source` with top Via `via`
 * (already stamped with received/rport by `stampVia`). Over TCP the caller first tries the
 * connection the request came on.
 */
export function responseDestination(via: Via, source: TransportAddress): TransportAddress {
  // The socket the request came in on is the truth; a Via naming another transport is not trusted.
  const transport = source.transport;
  if (transport === 'tcp') return { transport, host: via.received ?? source.host, port: source.port };
  if (typeof via.rport === 'number') return { transport, host: via.received ?? source.host, port: via.rport };
  const host = via.received ?? stripBrackets(via.host);
  return { transport, host, port: via.port ?? 5060 };
}

function stripBrackets(h: string): string {
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

/**
 * RFC 3261 §18.2.1 + RFC 3581 §4: the server transport adds `received` when the sent-by host is not
 * the source address, and fills a bare `rport` with the source port. Returns the new Via value, or
 * undefined when nothing changes.
 */
export function stampedVia(via: Via, source: TransportAddress): string | undefined {
  const needReceived = stripBrackets(via.host) !== source.host || via.rport === true;
  const needRport = via.rport === true;
  if (!needReceived && !needRport) return undefined;
  let out = `${via.protocol}/${via.transport} ${via.host}${via.port !== undefined ? `:${via.port}` : ''}`;
  for (const [k, v] of via.params) {
    if (k === 'received' || k === 'rport') continue;
    out += v === null ? `;${k}` : `;${k}=${v}`;
  }
  out += `;received=${source.host}`;
  if (needRport) out += `;rport=${source.port}`;
  else if (typeof via.rport === 'number') out += `;rport=${via.rport}`;
  return out;
}

export function isIpAddress(host: string): boolean {
  return isIP(host) !== 0;
}

/** Host/port/transport for a SIP URI (RFC 3263 without NAPTR/SRV: maddr or host, default port). */
export function uriTargetAddress(
  uri: { scheme: string; host: string; port: number | undefined; params: ReadonlyMap<string, string | null> },
  defaultTransport: TransportName,
): TransportAddress {
  const maddr = uri.params.get('maddr');
  const host = maddr ?? uri.host;
  return {
    transport: transportOf(uri.params.get('transport') ?? undefined) ?? defaultTransport,
    host: host.startsWith('[') ? host.slice(1, -1) : host,
    port: uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060),
  };
}
