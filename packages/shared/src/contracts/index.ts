export * from './common';
export * from './tasks';
export * from './claims';
export * from './notifications';
export * from './admin';
export * from './operations';
export * from './webhooks';
export * from './events';
