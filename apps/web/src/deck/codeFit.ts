import { type RefObject, useEffect } from 'react';

/**
 * Long code blocks, readable on screen and on paper. On screen a block that does not fit scrolls
 * and is marked (`data-overflow`, `data-at-end`) so that the theme shows the cue; in the print
 * view (the PDF) its font shrinks until every line is on the page.
 */
export function useLongCode(root: RefObject<HTMLElement | null>, enabled: boolean): void {
  useEffect(() => {
    const element = root.current;
    if (!element || !enabled) return;
    const blocks = [...element.querySelectorAll<HTMLPreElement>('pre.code')];
    const mark = (pre: HTMLPreElement) => {
      const overflow = pre.scrollHeight > pre.clientHeight + 1;
      pre.dataset.overflow = String(overflow);
      pre.dataset.atEnd = String(!overflow || pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 2);
      // A block that scrolls can be scrolled with the keyboard too, once clicked.
      pre.tabIndex = overflow ? 0 : -1;
    };
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) mark(entry.target as HTMLPreElement);
    });
    const onScroll = (event: Event) => mark(event.currentTarget as HTMLPreElement);
    for (const pre of blocks) {
      observer.observe(pre);
      pre.addEventListener('scroll', onScroll, { passive: true });
      mark(pre);
    }
    return () => {
      observer.disconnect();
      for (const pre of blocks) pre.removeEventListener('scroll', onScroll);
    };
  }, [root, enabled]);
}

/**
 * Print view: shrink each code block's font in steps until all its lines fit its page (down to
 * 40 %), then say so on <html> (`data-code-fitted`): the PDF exporter waits for that signal.
 */
export async function fitCodeForPrint(): Promise<void> {
  await document.fonts.ready;
  // reveal builds its print pages (.pdf-page) after it is ready: measure on those.
  for (let i = 0; i < 300 && !document.querySelector('.reveal .slides .pdf-page'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => requestAnimationFrame(resolve));
  for (const pre of document.querySelectorAll<HTMLPreElement>('.reveal pre.code')) {
    pre.style.overflow = 'hidden';
    const base = Number.parseFloat(getComputedStyle(pre).fontSize);
    let scale = 1;
    while (pre.scrollHeight > pre.clientHeight + 1 && scale > 0.4) {
      scale -= 0.05;
      pre.style.fontSize = `${(base * scale).toFixed(2)}px`;
    }
    if (scale < 1) pre.dataset.printScale = scale.toFixed(2);
  }
  document.documentElement.dataset.codeFitted = 'true';
}
