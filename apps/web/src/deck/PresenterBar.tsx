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
  const lab = hall.environments.get('lab');
  const demos = hall.demos;
  const resetting = demos?.state === 'resetting' || lab?.state === 'resetting' || lab?.state === 'starting';
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
            {lab && (
              <span className={`deck-status__lab deck-status__lab--${lab.state}`} data-lab-state={lab.state} title={lab.message}>
                Lab: {lab.state}
              </span>
            )}
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
                  : 'Every demo back to where the lecture starts: the Docker lab to its seeded images, a fresh Apptainer container, a fresh shell in every demo terminal'
              }
              disabled={resetting}
              onClick={() => {
                if (
                  window.confirm(
                    'Reset all demos? The Docker lab loses every container and image made in it, the Apptainer shell gets a fresh container, and every demo terminal a fresh shell.',
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
