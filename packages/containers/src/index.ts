export * from './backend.js';
export * from './environment.js';
export { DEFAULT_CONTAINER_LOG_BYTES, DockerBackend, Labels, describe, type DockerBackendOptions } from './docker.js';
export { FakeBackend, FakeShell, testEnvironment } from './fake.js';
