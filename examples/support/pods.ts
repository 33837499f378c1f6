/**
 * Pods a stand-in plays with real processes: each a tiny listener on its own loopback port (Python,
 * a few MB), alive while it accepts connections; killed, it is gone until started again. A pod's
 * process ends with its stand-in: it exits when its stdin (a pipe from the stand-in) closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/** Listens on a loopback port, prints it, accepts and closes connections until stdin closes. */
const POD_PROGRAM = `
import socket, sys, threading
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
def serve():
    while True:
        c, _ = s.accept()
        c.close()
threading.Thread(target=serve, daemon=True).start()
sys.stdin.read()
`;

export interface Pod {
  child: ChildProcess;
  port: number;
}

/** Whether the pod's process is alive: something accepts a connection on its port (within a second). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function python(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Starts a pod's process and waits for its port. */
export function startPod(name: string): Promise<Pod> {
  return new Promise((resolve, reject) => {
    const child = spawn(python(), ['-S', '-c', POD_PROGRAM], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => fail(new Error('no port within 30 s')), 30_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`pod ${name} (stand-in) did not start: ${e.message}`));
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const port = Number.parseInt(out, 10);
      if (out.includes('\n') && port > 0) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, port });
      }
    });
  });
}

/** Kills the pod's process (SIGKILL), as a crash or an OOM kill would. */
export function stopPod(pod: Pod): Promise<void> {
  return new Promise((resolve) => {
    if (pod.child.exitCode !== null || pod.child.signalCode !== null) return resolve();
    pod.child.once('exit', () => resolve());
    pod.child.kill('SIGKILL');
  });
}

