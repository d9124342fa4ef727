export * from './backend.js';
export * from './environment.js';
export {
  DEFAULT_CONTAINER_LOG_BYTES,
  DEFAULT_DOCKER_TIMEOUT_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DockerBackend,
  GVISOR_FIX,
  GVISOR_HOST_TASKS_PER_PROCESS,
  Labels,
  describe,
  hostConfig,
  type DockerBackendOptions,
} from './docker.js';
export { FakeBackend, FakeShell, testEnvironment } from './fake.js';
export { PtyWriter, ptyMaster, type WriteSome } from './pty-writer.js';
