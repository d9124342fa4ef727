declare module 'virtual:deck' {
  import type { Deck } from '@lecture/slides';
  const deck: Deck;
  export default deck;
}
