import type { Role } from '@lecture/protocol';
import type { ConnectionStatus } from '@lecture/terminal';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useDeck } from './context';

/**
 * The strip at the bottom left: connection and role; for the presenter the audience count, the
 * lab's state with its reset, and the audience URL as a QR code; for a student, "follow".
 */
export function PresenterBar(props: { status: ConnectionStatus; role: Role | undefined; following: boolean; onFollow: () => void }) {
  const { status, role, following, onFollow } = props;
  const { client, hall } = useDeck();
  const [share, setShare] = useState(false);
  // The deck's shared environments (the Docker lab, an Apptainer shell…): whichever it has.
  const shared = [...hall.environments.values()];
  const names = shared.map((e) => e.env).join(', ');
  const demos = hall.demos;
  const resetting = demos?.state === 'resetting' || shared.some((e) => e.state === 'resetting' || e.state === 'starting');
  const label =
    status === 'open'
      ? role === 'presenter'
        ? 'Presenter'
        : 'Audience'
      : status === 'connecting'
        ? 'Connecting…'
        : status === 'reload'
          ? 'This page is out of date: reload it'
          : 'Offline – retrying';
  return (
    <>
      <div className="deck-status" data-connection={status} data-role={role ?? ''}>
        <span className="deck-status__dot" />
        <span>{label}</span>
        {role === 'presenter' && (
          <>
            <span className="deck-status__count" data-audience-count={hall.audience}>
              {hall.audience} following
            </span>
            {shared.map((e) => (
              <span
                key={e.env}
                className={`deck-status__lab deck-status__lab--${e.state}`}
                data-env={e.env}
                data-env-state={e.state}
                {...(e.env === 'lab' ? { 'data-lab-state': e.state } : {})}
                title={e.message}
              >
                {e.env}: {e.state}
              </span>
            ))}
            {demos?.state === 'error' && (
              <span className="deck-status__lab deck-status__lab--error" data-demos-error title={demos.message}>
                {demos.message ?? 'The reset failed.'}
              </span>
            )}
            <button
              type="button"
              className="deck-status__button"
              data-demos-state={demos?.state ?? ''}
              title={
                demos?.state === 'error'
                  ? demos.message
                  : `Every demo back to where the lecture starts: ${names ? `the shared environments (${names}) to their seeded state, ` : ''}a fresh shell in every demo terminal, every poll emptied`
              }
              disabled={resetting}
              onClick={() => {
                if (
                  window.confirm(
                    `Reset all demos? ${names ? `The shared environments (${names}) go back to their seeded state: whatever was made in them is lost. ` : ''}Every demo terminal gets a fresh shell, and every poll is emptied.`,
                  )
                ) {
                  client?.send({ type: 'demos-reset' });
                }
              }}
            >
              {demos?.state === 'resetting' ? 'Resetting demos…' : 'Reset demos'}
            </button>
            <button type="button" className="deck-status__button" onClick={() => setShare((s) => !s)}>
              Share
            </button>
          </>
        )}
        {role === 'audience' && !following && (
          <button type="button" className="deck-status__button deck-status__follow" onClick={onFollow}>
            Follow the lecturer
          </button>
        )}
      </div>
      {share && <ShareOverlay onClose={() => setShare(false)} />}
    </>
  );
}

function ShareOverlay({ onClose }: { onClose: () => void }) {
  const [url, setUrl] = useState<string>();
  const [svg, setSvg] = useState<string>();
  // Esc closes the overlay, and only the overlay: reveal must not open the overview behind it.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopImmediatePropagation();
      onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  useEffect(() => {
    void fetch('/api/info')
      .then((r) => r.json() as Promise<{ audienceUrl: string }>)
      .then(async ({ audienceUrl }) => {
        setUrl(audienceUrl);
        setSvg(await QRCode.toString(audienceUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }));
      });
  }, []);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard closes it with Esc, caught on the window above (focus need not be inside)
    <div className="share-overlay" role="dialog" aria-label="Audience URL" onClick={onClose}>
      <div className="share-overlay__card">
        {svg && <div className="share-overlay__qr" dangerouslySetInnerHTML={{ __html: svg }} />}
        <p className="share-overlay__url" data-audience-url={url}>
          {url}
        </p>
        <p className="share-overlay__hint">Open this on your laptop or phone to follow along.</p>
      </div>
    </div>
  );
}
