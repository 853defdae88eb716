import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort, until } from '../../harness/processes';

const run = promisify(execFile);

/** util-linux's setpriv makes the servers die with the process that started them, even if it is killed outright. */
const withParentDeathSignal = (() => {
  try {
    execFileSync('setpriv', ['--pdeathsig', 'KILL', 'true'], { stdio: 'ignore' });
    return (command: string, args: string[]): [string, string[]] => ['setpriv', ['--pdeathsig', 'KILL', command, ...args]];
  } catch {
    return (command: string, args: string[]): [string, string[]] => [command, args];
  }
})();

export interface RedisClusterHandle {
  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`: the value of REDIS_CLUSTER_NODES */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * A 3-master Redis Cluster of the test's own on free loopback ports (Debian's redis-server with
 * `--cluster-enabled yes`, joined by `redis-cli --cluster create`), nothing kept on disk but the node
 * files in a temporary directory. `stop()` kills the servers and removes that directory.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'taskclaim-redis-cluster-'));
  const ports: number[] = [];
  const servers: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null || server.signalCode !== null) return resolve();
            server.once('exit', () => resolve());
            server.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    while (ports.length < masters) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    for (const port of ports) {
      const server = spawn(
        ...withParentDeathSignal('redis-server', [
          '--port', String(port),
          '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '2000',
          '--save', '',
          '--appendonly', 'no',
          '--bind', '127.0.0.1',
          '--daemonize', 'no',
          '--dir', dir,
        ]),
        { stdio: 'ignore' },
      );
      servers.push(server);
    }
    const cli = (port: number, ...args: string[]) => run('redis-cli', ['-p', String(port), ...args]).then((result) => result.stdout);
    for (const port of ports) {
      await until(() => cli(port, 'ping').then((reply) => reply.trim() === 'PONG', () => false), `redis-server on ${port}`, 10_000);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      await until(() => cli(port, 'cluster', 'info').then((info) => info.includes('cluster_state:ok'), () => false), `cluster_state:ok on ${port}`, 20_000);
    }
    return { nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Which master holds each key (by `CLUSTER KEYSLOT` and the slot ranges of `CLUSTER SLOTS`), as "host:port". */
export async function masterOfKeys(cluster: Cluster, keys: string[]): Promise<Map<string, string>> {
  const ranges = await cluster.cluster('SLOTS');
  const owners = new Map<string, string>();
  for (const key of keys) {
    const slot = Number(await cluster.cluster('KEYSLOT', key));
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (range) owners.set(key, `${range[2][0]}:${range[2][1]}`);
  }
  return owners;
}
