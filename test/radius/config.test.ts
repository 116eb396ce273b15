/**
 * The `radius` configuration: clients' secrets never in YAML (only an environment variable's name or
 * a file), clear errors for what cannot work, and the secrets read at start with every problem named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { ClientTable, loadClients, RadiusClientError } from '../../src/radius/clients';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-radius-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const f = join(dir, 'site.yaml');
  writeFileSync(f, yaml);
  return loadConfig({ file: f, cwd: dir, env });
}

function problems(yaml: string): string[] {
  try {
    load(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const CLIENT = `radius:
  enabled: true
  clients:
    - name: vpn
      address: 10.0.0.0/24
      secretEnv: RADIUS_SECRET_VPN
      mode: second-factor
      allowedUsers: ["*"]
`;

describe('radius config', () => {
  it('is off by default and a client gets the safe defaults', () => {
    expect(loadConfig({ env: {}, cwd: dir }).config.radius).toMatchObject({ enabled: false, clients: [] });
    expect(load(CLIENT).config.radius.clients[0]).toMatchObject({
      requireMessageAuthenticator: true,
      stripRealm: false,
      secretFile: null,
    });
  });

  it('refuses a secret written in YAML, both or neither secret source, and FYRKANT_ variable names', () => {
    expect(problems(`${CLIENT}      secret: hunter2\n`).join('\n')).toMatch(/radius\.clients\.0\.secret: unknown key/);
    expect(problems(`${CLIENT}      secretFile: /etc/x\n`).join('\n')).toMatch(/exactly one of secretEnv/);
    expect(problems(CLIENT.replace('      secretEnv: RADIUS_SECRET_VPN\n', '')).join('\n')).toMatch(
      /exactly one of secretEnv/,
    );
    expect(
      problems(CLIENT.replace('secretEnv: RADIUS_SECRET_VPN', 'secretEnv: FYRKANT_RADIUS_SECRET')).join('\n'),
    ).toMatch(/FYRKANT_… variables are configuration keys/);
  });

  it('refuses bad addresses, duplicate names, and password-then-call without a directory', () => {
    expect(problems(CLIENT.replace('10.0.0.0/24', '10.0.0.0/33')).join('\n')).toMatch(/expected an IP address or CIDR/);
    const dup = `${CLIENT}    - { name: vpn, address: 10.0.1.1, secretEnv: X, mode: challenge, allowedUsers: [a] }\n`;
    expect(problems(dup).join('\n')).toMatch(/duplicate client name vpn/);
    expect(problems(CLIENT.replace('second-factor', 'password-then-call')).join('\n')).toMatch(
      /password-then-call needs radius\.ldap\.url/,
    );
    expect(
      problems(
        `${CLIENT.replace('second-factor', 'password-then-call')}  ldap:\n    url: ldap://dc1.example.com\n`,
      ).join('\n'),
    ).toMatch(/set bindDnTemplate/);
  });

  it('reads the search bind password from FYRKANT_RADIUS__LDAP__SEARCH_BIND_PASSWORD', () => {
    const c = load('radius:\n  ldap:\n    url: ldap://dc1\n    searchBase: dc=x\n', {
      FYRKANT_RADIUS__LDAP__SEARCH_BIND_PASSWORD: 'pw-from-env',
    }).config;
    expect(c.radius.ldap.searchBindPassword).toBe('pw-from-env');
  });
});

describe('loadClients', () => {
  const base = {
    address: '127.0.0.1',
    mode: 'second-factor' as const,
    allowedUsers: ['*'],
    stripRealm: false,
    requireMessageAuthenticator: true,
  };

  it('reads secrets from the environment and from a file (trailing newline dropped)', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, 'from-a-file-0123456789\n');
    const clients = loadClients(
      [
        { ...base, name: 'a', secretEnv: 'S_A', secretFile: null },
        { ...base, name: 'b', secretEnv: null, secretFile: 'secret' },
      ],
      { S_A: 'from-the-env-0123456789' },
      dir,
    );
    expect(clients.map((c) => [c.name, c.secret, c.secretSource])).toEqual([
      ['a', 'from-the-env-0123456789', 'env S_A'],
      ['b', 'from-a-file-0123456789', `file ${file}`],
    ]);
  });

  it('names every client whose secret is missing, unreadable or too short', () => {
    let message = '';
    try {
      loadClients(
        [
          { ...base, name: 'a', secretEnv: 'NOT_SET', secretFile: null },
          { ...base, name: 'b', secretEnv: null, secretFile: 'missing' },
          { ...base, name: 'c', secretEnv: 'SHORT', secretFile: null },
        ],
        { SHORT: 'abc' },
        dir,
      );
    } catch (err) {
      expect(err).toBeInstanceOf(RadiusClientError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/radius\.clients\[0\] \(a\): the environment variable NOT_SET is not set/);
    expect(message).toMatch(/radius\.clients\[1\] \(b\): cannot read the secret file .*missing: ENOENT/);
    expect(message).toMatch(/radius\.clients\[2\] \(c\): the shared secret is 3 characters/);
  });

  it('matches a source to the most specific client, IPv4-mapped IPv6 included', () => {
    const t = new ClientTable(
      loadClients(
        [
          { ...base, name: 'net', address: '10.0.0.0/8', secretEnv: 'S', secretFile: null },
          { ...base, name: 'host', address: '10.1.2.3', secretEnv: 'S', secretFile: null },
          { ...base, name: 'v6', address: 'fd00::/8', secretEnv: 'S', secretFile: null },
        ],
        { S: 'shared-secret-0123456789' },
      ),
    );
    expect(t.match('10.1.2.3')?.name).toBe('host');
    expect(t.match('::ffff:10.1.2.3')?.name).toBe('host');
    expect(t.match('10.9.9.9')?.name).toBe('net');
    expect(t.match('fd12::1')?.name).toBe('v6');
    expect(t.match('192.168.1.1')).toBeUndefined();
  });
});
