import { describe, expect, it } from 'vitest';
import { GVISOR_HOST_TASKS_PER_PROCESS, hostConfig } from './docker.js';
import { testEnvironment } from './fake.js';

describe('the container settings under each runtime', () => {
  const sandbox = testEnvironment({ runtime: 'gvisor', limits: { memoryBytes: 256 * 1024 * 1024, cpus: 0.5, pids: 128 }, capDrop: ['ALL'] });

  it('under runc keep the pids limit in the host cgroup and set no per-uid process limit', () => {
    const config = hostConfig(sandbox, { runtime: 'runc' });
    expect(config.Runtime).toBe('runc');
    expect(config.PidsLimit).toBe(128);
    // RLIMIT_NPROC under runc would count every student's processes together (all uid 1000).
    expect(config.Ulimits).toBeUndefined();
  });

  it('under gVisor hold the process limit in its kernel and bound its host threads', () => {
    const config = hostConfig(sandbox, { runtime: 'runsc' });
    expect(config.Runtime).toBe('runsc');
    expect(config.Ulimits).toEqual([{ Name: 'nproc', Soft: 128, Hard: 128 }]);
    expect(config.PidsLimit).toBe(128 * GVISOR_HOST_TASKS_PER_PROCESS);
    // Everything else is the same wall as under runc.
    const runc = hostConfig(sandbox, { runtime: 'runc' });
    for (const key of ['Memory', 'MemorySwap', 'NanoCpus', 'ReadonlyRootfs', 'Tmpfs', 'CapDrop', 'SecurityOpt', 'NetworkMode', 'LogConfig'] as const) {
      expect(config[key]).toEqual(runc[key]);
    }
  });
});
