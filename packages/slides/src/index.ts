export * from './model.js';
export { highlight, keysToBytes, panesOf, parseDeck, pollsOf, parseStep, type ParseOptions } from './parse.js';
export { loadDeck } from './load.js';
