import winston from 'winston';

export type Logger = winston.Logger;

export function makeLogger(options: { level: string; service: string }): Logger {
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service, pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
