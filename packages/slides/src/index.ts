export * from './model.js';
export { highlight, keysToBytes, panesOf, parseDeck, pollsOf, parseStep, type ParseOptions } from './parse.js';
export { loadDeck } from './load.js';
export { DECK_FILES, DEFAULT_DECK, type DeckFolder, type LoadDeckOptions, deckDir, loadDeckFolder } from './folder.js';
export { type DeckEnvironment, type EnvironmentAccess, type EnvironmentDefinition, type EnvironmentsOptions, parseEnvironments } from './environments.js';
export { demoSteps, recordingName } from './demos.js';
