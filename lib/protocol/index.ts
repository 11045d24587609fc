export * from './ops';
export * from './messages';
export * from './frame';
