import type { Slide, Step } from './model.js';

/**
 * The steps typed into each pane on a slide, in order. A pane with steps on a slide is a demo:
 * `npm run record` records it, and the deck replays that recording when no shell is live.
 */
export function demoSteps(slide: Slide): Map<string, Step[]> {
  const byPane = new Map<string, Step[]>();
  for (const block of slide.blocks) {
    if (block.kind !== 'console') continue;
    const steps = block.lines.flatMap((l) => (l.kind === 'step' ? [l.step] : []));
    if (steps.length) byPane.set(block.pane, [...(byPane.get(block.pane) ?? []), ...steps]);
  }
  return byPane;
}

/**
 * The one rule that names a demo's recording (`recordings/<name>.cast`): the slide's id for its
 * first demo pane, `<slide-id>--<pane>` for any other. Undefined when the pane has no steps on
 * this slide. The recorder writes by it and the deck reads by it.
 */
export function recordingName(slide: Slide, pane: string): string | undefined {
  const panes = [...demoSteps(slide).keys()];
  if (!panes.includes(pane)) return undefined;
  return pane === panes[0] ? slide.id : `${slide.id}--${pane}`;
}
