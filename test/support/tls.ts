// A throwaway certificate authority for HTTPS stand-ins on loopback: a self-signed CA and one
// server certificate it signed for 127.0.0.1 and localhost, made with the machine's `openssl`.
// Clients trust the CA by its PEM (an SDK's TLS options) or by its file (NODE_EXTRA_CA_CERTS
// for a spawned process); nothing is trusted system-wide.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificateAuthority {
  /** The CA certificate, PEM. */
  caPem: string;
  /** Path of the CA certificate, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** The server's key and certificate, PEM, for https.createServer. */
  serverKey: string;
  serverCert: string;
  /** Removes the files. */
  remove(): void;
}

const SERVER_EXTENSIONS = [
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
].join('\n');

export const createTestCertificateAuthority = (): TestCertificateAuthority => {
  const directory = mkdtempSync(join(tmpdir(), 'test-ca-'));
  const file = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=seek-gateway test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(
    'req',
    ...ecKey,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(file('server.ext'), `${SERVER_EXTENSIONS}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  );
  return {
    caPem: readFileSync(file('ca.crt'), 'utf8'),
    caFile: file('ca.crt'),
    serverKey: readFileSync(file('server.key'), 'utf8'),
    serverCert: readFileSync(file('server.crt'), 'utf8'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
};
