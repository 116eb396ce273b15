/**
 * The configured RADIUS clients with their shared secrets read (from an environment variable or a
 * file — never from YAML), and which client a datagram's source address belongs to (the most
 * specific matching address or CIDR wins).
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../config/schema';
import { parseAddressRange, type RadiusMode } from '../domain/radius/client-rules';

export type ClientConfig = Config['radius']['clients'][number];

export interface RadiusClient {
  readonly name: string;
  readonly address: string;
  readonly mode: RadiusMode;
  readonly allowedUsers: readonly string[];
  readonly stripRealm: boolean;
  readonly requireMessageAuthenticator: boolean;
  /** Where the secret came from, for the admin page (never the secret itself). */
  readonly secretSource: string;
  readonly secret: string;
}

export class RadiusClientError extends Error {}

/** Reads every client's secret; throws one error naming each client whose secret is missing. */
export function loadClients(
  clients: readonly ClientConfig[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): RadiusClient[] {
  const problems: string[] = [];
  const out: RadiusClient[] = [];
  clients.forEach((c, i) => {
    const where = `radius.clients[${i}] (${c.name})`;
    let secret: string | undefined;
    let source = '';
    if (c.secretEnv) {
      source = `env ${c.secretEnv}`;
      secret = env[c.secretEnv];
      if (!secret) problems.push(`${where}: the environment variable ${c.secretEnv} is not set or empty`);
    } else if (c.secretFile) {
      const file = resolve(cwd, c.secretFile);
      source = `file ${file}`;
      try {
        secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
        if (!secret) problems.push(`${where}: the secret file ${file} is empty`);
      } catch (err) {
        problems.push(`${where}: cannot read the secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
    }
    if (secret && secret.length < 16)
      problems.push(`${where}: the shared secret is ${secret.length} characters; use at least 16 random characters`);
    if (secret && !problems.length)
      out.push({
        name: c.name,
        address: c.address,
        mode: c.mode,
        allowedUsers: c.allowedUsers,
        stripRealm: c.stripRealm,
        requireMessageAuthenticator: c.requireMessageAuthenticator,
        secretSource: source,
        secret,
      });
  });
  if (problems.length) throw new RadiusClientError(`RADIUS clients not usable:\n  ${problems.join('\n  ')}`);
  return out;
}

/** Finds the client for a source address: the longest matching prefix. */
export class ClientTable {
  private readonly entries: { client: RadiusClient; prefix: number; list: BlockList }[];

  constructor(readonly clients: readonly RadiusClient[]) {
    this.entries = clients.map((client) => {
      const range = parseAddressRange(client.address);
      if (!range) throw new RadiusClientError(`radius client ${client.name}: bad address ${client.address}`);
      const list = new BlockList();
      list.addSubnet(range.address, range.prefix, range.family);
      return { client, prefix: range.prefix, list };
    });
  }

  match(source: string): RadiusClient | undefined {
    const address = source.startsWith('::ffff:') && isIP(source.slice(7)) === 4 ? source.slice(7) : source;
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    let best: { client: RadiusClient; prefix: number } | undefined;
    for (const e of this.entries) if (e.list.check(address, family) && (!best || e.prefix > best.prefix)) best = e;
    return best?.client;
  }
}
