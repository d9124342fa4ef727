export * from './model.js';
export { highlight, keysToBytes, panesOf, parseDeck, parseStep, type ParseOptions } from './parse.js';
export { loadDeck } from './load.js';
