import { ConfigError, parseConfig } from '../src/runtime/config';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

describe('parseConfig', () => {
  describe('defaults (SPEC §5)', () => {
    const config = parseConfig({});

    test('PORT is 3000', () => expect(config.PORT).toBe(3000));
    test('CLAIM_PARTITIONS is 16', () => expect(config.CLAIM_PARTITIONS).toBe(16));
    test('MAX_ACTIVE_TASKS is 10', () => expect(config.MAX_ACTIVE_TASKS).toBe(10));
    test('CLAIM_DISPATCH is queue', () => expect(config.CLAIM_DISPATCH).toBe('queue'));
    test('DATABASE_URL defaults to the local taskclaim database', () =>
      expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/taskclaim'));
    test('REDIS_URL defaults to the local Redis', () => expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379'));
    test('WORKER_METRICS_PORT is 9464', () => expect(config.WORKER_METRICS_PORT).toBe(9464));
    test('WEBHOOK_MAX_ATTEMPTS is 8 (SPEC §4 Webhooks)', () => expect(config.WEBHOOK_MAX_ATTEMPTS).toBe(8));
    test('private networks are refused for webhooks by default', () =>
      expect(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(false));
    test('optional values are absent', () => {
      expect(config.ADMIN_TOKEN).toBeUndefined();
      expect(config.REDIS_CLUSTER_NODES).toBeUndefined();
    });
  });

  test('the result is frozen', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
    expect(config.PORT).toBe(3000);
  });

  test('coerces numeric strings and reads every given value', () => {
    const config = parseConfig({
      PORT: '8080',
      CLAIM_PARTITIONS: '32',
      MAX_ACTIVE_TASKS: '3',
      CLAIM_DISPATCH: 'inline',
      DATABASE_URL: 'postgres://u:p@db:5432/other',
      REDIS_URL: 'redis://cache:6380',
      WORKER_METRICS_PORT: '9999',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      ADMIN_TOKEN: 'a-sufficiently-long-admin-token-0123',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      CLAIM_PARTITIONS: 32,
      MAX_ACTIVE_TASKS: 3,
      CLAIM_DISPATCH: 'inline',
      DATABASE_URL: 'postgres://u:p@db:5432/other',
      REDIS_URL: 'redis://cache:6380',
      WORKER_METRICS_PORT: 9999,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
      ADMIN_TOKEN: 'a-sufficiently-long-admin-token-0123',
    });
  });

  test('an empty string counts as unset and takes the default', () => {
    expect(parseConfig({ PORT: '', CLAIM_PARTITIONS: '' })).toMatchObject({ PORT: 3000, CLAIM_PARTITIONS: 16 });
  });

  test('unrelated environment variables are ignored', () => {
    expect(parseConfig({ HOME: '/root', PATH: '/usr/bin' }).PORT).toBe(3000);
  });

  test('CLAIM_PARTITIONS=abc throws a ConfigError naming the variable', () => {
    const error = configError({ CLAIM_PARTITIONS: 'abc' });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain('CLAIM_PARTITIONS');
  });

  test('CLAIM_DISPATCH=sometimes throws a ConfigError naming the variable', () => {
    expect(configError({ CLAIM_DISPATCH: 'sometimes' }).message).toContain('CLAIM_DISPATCH');
  });

  test.each([
    ['CLAIM_PARTITIONS', '0'],
    ['CLAIM_PARTITIONS', '-4'],
    ['CLAIM_PARTITIONS', '2.5'],
    ['MAX_ACTIVE_TASKS', 'ten'],
    ['MAX_ACTIVE_TASKS', '0'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['WORKER_METRICS_PORT', '-1'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'localhost'],
    ['REDIS_CLUSTER_NODES', 'redis-1'],
    ['REDIS_CLUSTER_NODES', 'redis://redis-1:7000'],
    ['REDIS_CLUSTER_NODES', 'redis-1:7000;redis-2:7001'],
    ['WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'maybe'],
    ['LOG_LEVEL', 'loud'],
  ])('%s=%s throws a ConfigError naming the variable', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.message).toContain(name);
  });

  test('REDIS_CLUSTER_NODES takes host:port pairs separated by commas (IPv6 in brackets)', () => {
    const nodes = 'redis-1:7000, redis-2:7001,10.0.0.3:7002,[::1]:7003';
    expect(parseConfig({ REDIS_CLUSTER_NODES: nodes }).REDIS_CLUSTER_NODES).toBe(nodes);
  });

  test('lenient where people differ: yes/on booleans, other loggers\' level names', () => {
    const config = parseConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'Yes', LOG_LEVEL: 'WARNING' });
    expect(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(true);
    expect(config.LOG_LEVEL).toBe('warn');
  });

  test('an ADMIN_TOKEN shorter than 32 characters stops start-up, saying why (SPEC §4 Scope)', () => {
    const { message } = configError({ ADMIN_TOKEN: 'x'.repeat(31) });
    expect(message).toContain('ADMIN_TOKEN');
    expect(message).toContain('at least 32 characters');
    expect(parseConfig({ ADMIN_TOKEN: 'x'.repeat(32) }).ADMIN_TOKEN).toBe('x'.repeat(32));
  });

  test('several bad values are all named in one error', () => {
    const { message } = configError({ CLAIM_PARTITIONS: 'abc', CLAIM_DISPATCH: 'sometimes' });
    expect(message).toContain('CLAIM_PARTITIONS');
    expect(message).toContain('CLAIM_DISPATCH');
  });

  test('does not read process.env when given an explicit environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(parseConfig({}).PORT).toBe(3000);
      expect(parseConfig().PORT).toBe(4321);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});
