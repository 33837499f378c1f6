/** The MongoDB responder's port across an outage (stop, start): never one an outgoing connection can take meanwhile. */
import fs from 'node:fs';
import net from 'node:net';
import { expect, it } from 'vitest';
import { ping } from './replies.js';
import { startMongoResponder } from './responder.js';

const ephemeralLow = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

it('listens below the kernel ephemeral range, and on the same port again after stop() while outgoing connections come and go', async () => {
  const mongo = await startMongoResponder({ replies: { ping } });
  const sink = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const clients: net.Socket[] = [];
  try {
    expect(mongo.port).toBeLessThan(ephemeralLow);
    await mongo.stop();
    // Outgoing connections take local ports from the ephemeral range while the responder is down.
    for (let i = 0; i < 50; i++) {
      const c = net.connect((sink.address() as net.AddressInfo).port, '127.0.0.1');
      c.on('error', () => {});
      clients.push(c);
      await new Promise((r) => c.once('connect', r));
      expect(c.localPort).not.toBe(mongo.port);
    }
    await mongo.start();
    const c = net.connect(mongo.port, '127.0.0.1');
    clients.push(c);
    await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
  } finally {
    for (const c of clients) c.destroy();
    await new Promise((r) => sink.close(r));
    await mongo.close();
  }
});
