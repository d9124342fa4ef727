import { LectureClient } from '@lecture/client';
import { WS_PATH } from '@lecture/protocol';

/** localStorage key of the id that ties a student's sandbox to this browser. */
const CLIENT_ID_KEY = 'lecture.clientId';

/** The id this browser keeps across reloads (a fresh one when storage is unavailable). */
function storedClientId(): string | undefined {
  try {
    const id = localStorage.getItem(CLIENT_ID_KEY);
    return id && /^[A-Za-z0-9_-]{16,64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The page's one connection to the server: the framework-free client, on this page's origin,
 * with the browser's stored client id (and storing the one it ends up with).
 */
export function createPageClient(): LectureClient {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const stored = storedClientId();
  const client = new LectureClient({
    url: `${scheme}://${location.host}${WS_PATH}`,
    ...(stored ? { clientId: stored } : {}),
    log: (line) => console.warn(line),
  });
  if (!stored) {
    try {
      localStorage.setItem(CLIENT_ID_KEY, client.clientId);
    } catch {}
  }
  return client;
}
