export * from './ops';
export * from './messages';
export * from './frame';
export * from './agent';
export * from './agent-methods';
export * from './stream';
