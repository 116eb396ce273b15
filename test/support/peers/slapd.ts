/**
 * OpenLDAP's slapd (Debian package slapd) as a real directory for a test: its own slapd.conf, mdb
 * database and pid file in a temp dir, on a free port on 127.0.0.1, seeded with ldapadd (ldap-utils).
 * Nothing of the system's slapd (if the package started one) is used or touched.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../ports';
import { requireTool } from '../tools';
import { makeTempDir, type PeerProcess, retryOnPortClash, spawnPeer, tcpPortListening, waitUntil } from './process';

export const LDAP_SUFFIX = 'dc=example,dc=test';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_ROOT_PASSWORD = 'root-secret-for-tests';

export interface SlapdPeer extends PeerProcess {
  readonly url: string;
  /** Adds entries (LDIF) with ldapadd as the root DN. */
  add(ldif: string): Promise<void>;
}

/** slapd and the schema live under /usr/sbin and /etc/ldap on Debian. */
function slapdBinary(): string {
  if (existsSync('/usr/sbin/slapd')) return '/usr/sbin/slapd';
  return requireTool('slapd', 'slapd');
}

export function startSlapd(): Promise<SlapdPeer> {
  return retryOnPortClash(startOnce);
}

async function startOnce(): Promise<SlapdPeer> {
  const bin = slapdBinary();
  const ldapadd = requireTool('ldapadd', 'ldap-utils');
  const dir = makeTempDir('slapd');
  const db = join(dir, 'db');
  mkdirSync(db);
  const port = await freePort();
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${join(dir, 'slapd.pid')}
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "${LDAP_SUFFIX}"
rootdn "${LDAP_ROOT_DN}"
rootpw ${LDAP_ROOT_PASSWORD}
directory ${db}
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
`,
  );
  const url = `ldap://127.0.0.1:${port}`;
  // -d keeps slapd in the foreground (our child, stopped by PID); "-d 0" logs nothing extra.
  const peer = spawnPeer('slapd', bin, ['-f', conf, '-h', `${url}/`, '-d', '0'], dir);
  await waitUntil(peer, () => tcpPortListening(port), 10_000).catch(async (err: unknown) => {
    await peer.stop();
    throw err;
  });
  const add = (ldif: string) =>
    new Promise<void>((resolve, reject) => {
      const child = execFile(
        ldapadd,
        ['-x', '-H', url, '-D', LDAP_ROOT_DN, '-w', LDAP_ROOT_PASSWORD],
        { timeout: 10_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`ldapadd failed: ${stderr || stdout || err.message}`)) : resolve(),
      );
      child.stdin?.end(ldif);
    });
  await add(`dn: ${LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people
`);
  return { ...peer, url, add };
}

/** An inetOrgPerson under ou=people with a cleartext userPassword (slapd checks it on bind). */
export function personLdif(uid: string, password: string): string {
  return `dn: uid=${uid},ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid}
sn: ${uid}
userPassword: ${password}
`;
}
