/** Configuration, logging and process plumbing every layer but the domain may use. */
export { type Config, ConfigError, configSchema, parseConfig } from './config';
export { type Logger, makeLogger } from './logger';
export { runProcess } from './process-lifecycle';
export { closerOf } from './close-server';
export { storeUnreachable } from './store-outage';
export { DatabaseUnavailableError, InfrastructureError, isInfrastructureError, RedisUnavailableError } from './infrastructure-errors';
export { makeSlotsPerKey, type SlotsPerKey } from './slots-per-key';
export { makeGroupCommit } from './group-commit';
