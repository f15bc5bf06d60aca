// Real Redis set-ups on loopback, made by the test and torn down after: a TLS redis-server with
// a CA and certificates made with `openssl`, a three-master Redis Cluster, and a Sentinel set
// (a master, one replica, one sentinel). Every process started here is tracked, so
// `stopAllRedisServers()` in afterAll kills them all even when a test failed half-way.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePorts, waitFor } from './cacheSupport';

const running = new Set<ChildProcess>();
const directories = new Set<string>();

const tempDirectory = (label: string) => {
  const directory = mkdtempSync(join(tmpdir(), `redis-${label}-`));
  directories.add(directory);
  return directory;
};

const kill = async (child: ChildProcess) => {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
};

/** Kills every server this file started and removes their files. For afterAll. */
export const stopAllRedisServers = async () => {
  await Promise.all([...running].map(kill));
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
};

const acceptsTcp = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const launch = async (args: string[], port: number, what: string) => {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  await waitFor(`${what} on port ${port}`, () => acceptsTcp(port), 5_000, 25);
  return child;
};

const NO_PERSISTENCE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/** redis-cli, resolving with its output. */
export const redisCli = (...args: string[]) =>
  new Promise<string>((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });

export interface RedisCertificates {
  /** The CA that signed the server's and the client's certificates. */
  caFile: string;
  /** Another CA, which signed neither. */
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/** A CA, a server certificate for 127.0.0.1, a client certificate, and an unrelated CA. */
export const createRedisCertificates = (): RedisCertificates => {
  const directory = tempDirectory('tls');
  const file = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string, subject: string) =>
    openssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  const sign = (name: string, subject: string, extensions: string) => {
    openssl(
      'req',
      ...ecKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      subject,
    );
    writeFileSync(file(`${name}.ext`), `${extensions}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
    );
  };
  makeCa('ca', '/CN=seek-gateway redis test CA');
  makeCa('other-ca', '/CN=some other CA');
  sign(
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth',
  );
  sign(
    'client',
    '/CN=seek-gateway',
    'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth',
  );
  return {
    caFile: file('ca.crt'),
    otherCaFile: file('other-ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
};

export interface StartedRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * A redis-server speaking TLS only (`--port 0`), with these certificates. `authClients: 'yes'`
 * requires a client certificate signed by the CA. With `password`, `requirepass` is set.
 */
export const startTlsRedis = async (
  certificates: RedisCertificates,
  options: { authClients: 'yes' | 'optional'; password?: string },
): Promise<StartedRedis> => {
  const [port] = (await freePorts(1)) as [number];
  const child = await launch(
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      certificates.serverCertFile,
      '--tls-key-file',
      certificates.serverKeyFile,
      '--tls-ca-cert-file',
      certificates.caFile,
      '--tls-auth-clients',
      options.authClients,
      ...(options.password ? ['--requirepass', options.password] : []),
      ...NO_PERSISTENCE,
    ],
    port,
    'TLS redis-server',
  );
  return { port, url: `rediss://127.0.0.1:${port}`, stop: () => kill(child) };
};

/** A plain redis-server with `requirepass` (and an ACL user when `username` is given). */
export const startPasswordRedis = async (options: {
  password: string;
  username?: string;
}): Promise<StartedRedis> => {
  const [port] = (await freePorts(1)) as [number];
  const child = await launch(
    ['--port', String(port), '--requirepass', options.password, ...NO_PERSISTENCE],
    port,
    'redis-server with a password',
  );
  if (options.username) {
    await redisCli(
      '-p',
      String(port),
      '--no-auth-warning',
      '-a',
      options.password,
      'ACL',
      'SETUSER',
      options.username,
      'on',
      `>${options.password}`,
      '~*',
      '+@all',
    );
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => kill(child) };
};

export interface StartedCluster {
  ports: number[];
  /** For REDIS_CLUSTER_NODES. */
  nodes: string;
  stop(): Promise<void>;
}

/** Three masters, no replicas, all 16384 slots assigned, cluster_state:ok on every node. */
export const startRedisCluster = async (): Promise<StartedCluster> => {
  const ports = await freePorts(3);
  const directory = tempDirectory('cluster');
  const children = await Promise.all(
    ports.map((port) =>
      launch(
        [
          '--port',
          String(port),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(directory, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          directory,
          ...NO_PERSISTENCE,
        ],
        port,
        'cluster node',
      ),
    ),
  );
  await redisCli(
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  );
  for (const port of ports) {
    await waitFor(
      `cluster_state:ok on ${port}`,
      async () =>
        (await redisCli('-p', String(port), 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      15_000,
      100,
    );
  }
  return {
    ports,
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    stop: async () => {
      await Promise.all(children.map(kill));
    },
  };
};

export interface StartedSentinelSet {
  masterName: string;
  masterPort: number;
  replicaPort: number;
  sentinelPort: number;
  /** For REDIS_SENTINELS. */
  sentinels: string;
  /** SIGKILL the current master. */
  killMaster(): Promise<void>;
  /** The port the sentinel now reports as master. */
  currentMasterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica (`--replicaof`) and one sentinel (quorum 1, down after 1 s), with the
 * replica known to the sentinel before this resolves, so a failover can happen.
 */
export const startSentinelSet = async (masterName = 'mymaster'): Promise<StartedSentinelSet> => {
  const [masterPort, replicaPort, sentinelPort] = (await freePorts(3)) as [number, number, number];
  const directory = tempDirectory('sentinel');
  const master = await launch(
    ['--port', String(masterPort), ...NO_PERSISTENCE],
    masterPort,
    'sentinel master',
  );
  const replica = await launch(
    [
      '--port',
      String(replicaPort),
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
      ...NO_PERSISTENCE,
    ],
    replicaPort,
    'sentinel replica',
  );
  await waitFor(
    'the replica in sync',
    async () =>
      (await redisCli('-p', String(replicaPort), 'INFO', 'replication')).includes(
        'master_link_status:up',
      ),
    10_000,
    100,
  );
  const config = join(directory, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${directory}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      `sentinel failover-timeout ${masterName} 3000`,
      `sentinel parallel-syncs ${masterName} 1`,
      '',
    ].join('\n'),
  );
  const sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
  running.add(sentinel);
  await waitFor(`sentinel on ${sentinelPort}`, () => acceptsTcp(sentinelPort), 5_000, 25);
  await waitFor(
    'the sentinel to know the replica',
    async () =>
      (await redisCli('-p', String(sentinelPort), 'SENTINEL', 'REPLICAS', masterName)).includes(
        String(replicaPort),
      ),
    15_000,
    100,
  );
  let currentMaster: ChildProcess = master;
  return {
    masterName,
    masterPort,
    replicaPort,
    sentinelPort,
    sentinels: `127.0.0.1:${sentinelPort}`,
    killMaster: () => kill(currentMaster),
    currentMasterPort: async () => {
      const reply = await redisCli(
        '-p',
        String(sentinelPort),
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        masterName,
      );
      const port = Number(reply.trim().split('\n')[1]);
      if (port === replicaPort) currentMaster = replica;
      return port;
    },
    stop: async () => {
      await Promise.all([master, replica, sentinel].map(kill));
    },
  };
};
