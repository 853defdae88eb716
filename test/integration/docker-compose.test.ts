/**
 * docker-compose.yml and the Dockerfile, read (this machine runs no Docker engine): the stack they
 * describe starts only with its secrets given, restarts by itself, pins its images, and demos.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '@taskclaim/shared/runtime';

const ROOT = path.resolve(__dirname, '../..');
// merge keys (<<: *taskclaim-env) as Docker Compose applies them
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
type Service = { image?: string; build?: string; restart?: string; profiles?: string[]; healthcheck?: { test: unknown }; command?: string[] };
const services = Object.entries<Service>(compose.services);
/** what runs for good; the demo profile's job runs once */
const longRunning = services.filter(([, service]) => !service.profiles);

test('the processes set only variables the config accepts, and their values parse once the secrets are given', () => {
  const accepted = new Set(Object.keys(configSchema.shape));
  for (const name of ['api', 'worker', 'demo']) {
    const variables = Object.keys(compose.services[name].environment);
    expect(variables.length).toBeGreaterThan(5);
    expect(variables.filter((variable) => !accepted.has(variable))).toEqual([]);
    const environment = { ...compose.services[name].environment, ADMIN_TOKEN: 'x'.repeat(32) };
    expect(() => configSchema.parse(Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)])))).not.toThrow();
  }
});

test('no secret ships: ADMIN_TOKEN and POSTGRES_PASSWORD come from the environment, required, with no default', () => {
  for (const name of ['api', 'worker', 'demo']) {
    expect(compose.services[name].environment.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
    expect(compose.services[name].environment.DATABASE_URL).toBe('postgres://postgres:${POSTGRES_PASSWORD}@postgres:5432/taskclaim');
  }
  expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
});

test('every long-running service restarts unless stopped and has a health check; the demo job restarts only on failure', () => {
  expect(longRunning.map(([name]) => name).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
  for (const [name, service] of longRunning) {
    expect({ name, restart: service.restart, health: Boolean(service.healthcheck?.test) }).toEqual({ name, restart: 'unless-stopped', health: true });
  }
  expect(compose.services.demo.restart).toBe('on-failure');
});

test('images are pinned at least to a minor version, in compose and in the Dockerfile', () => {
  const images = [...services.flatMap(([, service]) => service.image ?? []), ...[...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1])];
  expect(images.length).toBeGreaterThanOrEqual(5);
  for (const image of images) expect(image).toMatch(/^[a-z]+:\d+\.\d+/);
});

test('--profile demo seeds the demo once the API answers, with the script the image holds', () => {
  expect(compose.services.demo).toMatchObject({ profiles: ['demo'], build: '.', command: ['node', '--import', 'tsx', 'scripts/demo.ts'] });
  expect(compose.services.demo.depends_on.api.condition).toBe('service_healthy');
  expect(dockerfile).toContain('COPY scripts ./scripts');
  expect(readFileSync(path.join(ROOT, 'scripts/demo.ts'), 'utf8')).toContain('seedDemo');
});

test('the processes stop cleanly: node is the command and tini (init) is PID 1, so docker stop reaches what drains', () => {
  expect(compose.services.redis.command.join(' ')).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
  expect(compose.services.worker.deploy.replicas).toBe(2);
  for (const name of ['api', 'worker', 'demo']) {
    expect({ name, init: compose.services[name].init, command: compose.services[name].command.slice(0, 3) }).toEqual({ name, init: true, command: ['node', '--import', 'tsx'] });
  }
});

test('the README says why tsx runs in production, and how to start the demo', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('docker compose --profile demo up');
  expect(readme).toMatch(/tsx, which compiles each file once at\s+start-up/);
});
