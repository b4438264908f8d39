import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** Server certificate and key (PEM). */
  cert: string;
  key: string;
  /** The CA certificate, and a directory holding it under its OpenSSL hash name (`certdir`). */
  caFile: string;
  caDir: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`openssl ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr} — openssl comes with scripts/setup-system.sh`);
  }
}

/**
 * A throw-away CA and a server certificate signed by it, valid for the given IP addresses. Files
 * are owned by `owner` because xrootd reads them after dropping root, and refuses a world-readable key.
 */
export function makeTestCa(dir: string, ips: string[], owner?: { uid: number; gid: number }): TestCa {
  mkdirSync(dir, { recursive: true });
  const caDir = join(dir, 'certificates');
  mkdirSync(caDir);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=dctest CA', '-keyout', 'ca.key', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${ips[0]}`, '-keyout', 'server.key', '-out', 'server.csr'], dir);
  const san = ['DNS:localhost', ...ips.map((ip) => `IP:${ip}`)].join(',');
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.pem', '-extfile', 'ext.cnf'], dir);
  copyFileSync(join(dir, 'ca.pem'), join(caDir, 'ca.pem'));
  openssl(['rehash', caDir], dir);
  if (owner) {
    for (const d of [dir, caDir]) {
      chownSync(d, owner.uid, owner.gid);
      for (const f of readdirSync(d)) chownSync(join(d, f), owner.uid, owner.gid);
    }
  }
  return { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), caFile: join(dir, 'ca.pem'), caDir };
}
