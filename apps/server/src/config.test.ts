import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('LECTURE_GVISOR_RUNTIME', () => {
  it('is runsc unless set, and off (or empty) keeps sandboxes on runc', () => {
    expect(loadConfig({}).gvisorRuntime).toBe('runsc');
    expect(loadConfig({ LECTURE_GVISOR_RUNTIME: 'gvisor' }).gvisorRuntime).toBe('gvisor');
    expect(loadConfig({ LECTURE_GVISOR_RUNTIME: 'off' }).gvisorRuntime).toBe('');
    expect(loadConfig({ LECTURE_GVISOR_RUNTIME: '' }).gvisorRuntime).toBe('');
  });

  it('refuses anything that is not a runtime name', () => {
    expect(() => loadConfig({ LECTURE_GVISOR_RUNTIME: 'runsc --debug' })).toThrow(/runtime name/);
  });
});
