/* global window, document */
// "Page me in this browser": registers the service worker, subscribes with the server's VAPID key
// and saves the subscription for the signed-in person.
(() => {
  const button = document.querySelector('[data-push-subscribe]');
  if (!button || !('serviceWorker' in navigator) || !('PushManager' in window)) return;
  button.hidden = false;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const toBytes = (b64) => {
    const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { publicKey } = await (await fetch('/api/push/key', { headers: { 'x-csrf-token': csrf } })).json();
      if (!publicKey) throw new Error('no webpush channel is configured');
      const registration = await navigator.serviceWorker.register('/ui/static/sw.js');
      const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toBytes(publicKey) });
      const res = await fetch('/api/push/subscriptions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(sub.toJSON()),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      button.textContent = 'Pages arrive in this browser';
    } catch (e) {
      button.textContent = `Push not enabled: ${e instanceof Error ? e.message : String(e)}`;
      button.disabled = false;
    }
  });
})();
