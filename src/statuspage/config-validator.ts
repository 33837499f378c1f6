import type { ConfigValidator } from '../config/index.js';
import { didYouMean } from '../lib/suggest.js';

/** `status_page.services` name services that exist, once each; `subscribers.channel` is an email channel. */
export const statusPageReferencesValidator: ConfigValidator = (config) => {
  const issues: Array<{ code: 'OPSBOOK_E_CONFIG_REFERENCE'; message: string; path: string }> = [];
  const page = config.status_page;
  const services = new Set(config.services.map((s) => s.id));
  const seen = new Set<string>();
  (page.services ?? []).forEach((s, i) => {
    const path = `status_page.services[${i}].service`;
    if (!services.has(s.service)) issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `service "${s.service}" is not defined in services${didYouMean(s.service, services)}`, path });
    else if (seen.has(s.service)) issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `service "${s.service}" is listed twice`, path });
    seen.add(s.service);
  });
  if (page.subscribers) {
    const channel = config.channels.find((c) => c.id === page.subscribers!.channel);
    const path = 'status_page.subscribers.channel';
    if (!channel) issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `channel "${page.subscribers.channel}" is not defined in channels${didYouMean(page.subscribers.channel, config.channels.map((c) => c.id))}`, path });
    else if (channel.kind !== 'email') issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `channel "${channel.id}" is a ${channel.kind} channel; subscribers are written to by email`, path });
  }
  return issues;
};
