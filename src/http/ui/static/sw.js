/* global self */
// opsbook service worker: shows pages pushed through Web Push; the buttons open the signed
// acknowledge/resolve links (which ask for one more click, so a preview never acts).
self.addEventListener('push', (event) => {
  let page = {};
  try {
    page = event.data ? event.data.json() : {};
  } catch {
    page = { title: 'opsbook page', body: event.data ? event.data.text() : '' };
  }
  const actions = (page.actions || []).map((a) => ({ action: a.action, title: a.title }));
  event.waitUntil(
    self.registration.showNotification(page.title || 'opsbook page', {
      body: page.body || '',
      tag: page.tag,
      requireInteraction: true,
      actions,
      data: { url: page.url, actions: page.actions || [] },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const chosen = (data.actions || []).find((a) => a.action === event.action);
  const url = chosen ? chosen.url : data.url;
  if (url) event.waitUntil(self.clients.openWindow(url));
});
