import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './ports.js';

// A transparent HTTP relay in front of an upstream (status, headers and body bytes as they come),
// which can be told to misbehave for matching requests: answer late, answer 5xx/429 itself, cut
// the connection after some body bytes, corrupt a body byte, hold the body after some bytes until
// told to go on, or stop accepting connections.

export interface FaultRule {
  /** Request path with query, e.g. /\/blobs\//. */
  path: RegExp;
  /** Only this method (GET, HEAD...); any when absent. */
  method?: string;
  /** How many matching requests the rule applies to; every one when absent (1 = once). */
  times?: number;
  /** Wait this long before forwarding (or answering). */
  delayMs?: number;
  /** Wait until this settles before forwarding (or answering): held until the test says so, however slow the machine. */
  hold?: Promise<unknown>;
  /** Answer this status (e.g. 503, 429) without asking the upstream. */
  status?: number;
  /** Forward, then destroy the connection after this many body bytes. */
  cutAfterBytes?: number;
  /** Forward with the body byte at this offset flipped. */
  corruptAtByte?: number;
  /** Forward this many body bytes, then hold the rest until `resumeWhen` settles. */
  pauseAfterBytes?: number;
  resumeWhen?: Promise<unknown>;
}

export interface FaultRelay {
  /** http://127.0.0.1:PORT */
  url: string;
  host: string;
  port: number;
  /** Add a rule; earlier rules win. Returns a function removing it. */
  fault(rule: FaultRule): () => void;
  clearFaults(): void;
  /** Stop accepting connections and drop open ones (the upstream looks down). */
  down(): Promise<void>;
  /** Accept connections again on the same port. */
  up(): Promise<void>;
  /** Requests received (while up) whose method and path match. */
  count(method: string, path: RegExp): number;
  requests(): Array<{ method: string; path: string }>;
  stop(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  used: number;
}

/** Start a relay to `targetUrl` (http://host:port) on a free loopback port; stop() it in afterAll. */
export async function startFaultRelay(targetUrl: string): Promise<FaultRelay> {
  const target = new URL(targetUrl);
  const rules: ActiveRule[] = [];
  const seen: Array<{ method: string; path: string }> = [];
  const sockets = new Set<Socket>();
  const delays = new Set<NodeJS.Timeout>();
  // Its own connection pool, so stop() leaves no keep-alive socket behind.
  const agent = new Agent({ keepAlive: true });

  const takeRule = (method: string, path: string): FaultRule | undefined => {
    const rule = rules.find((r) => (r.method === undefined || r.method === method) && r.path.test(path) && r.used < (r.times ?? Infinity));
    if (rule !== undefined) rule.used += 1;
    return rule;
  };

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, rule: FaultRule | undefined) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        let sent = 0;
        let cut = false;
        answer.on('data', (chunk: Buffer) => {
          if (cut) return;
          let bytes = chunk;
          if (rule?.corruptAtByte !== undefined && rule.corruptAtByte >= sent && rule.corruptAtByte < sent + bytes.length) {
            bytes = Buffer.from(bytes);
            const at = rule.corruptAtByte - sent;
            bytes[at] = (bytes[at] ?? 0) ^ 0xff;
          }
          if (rule?.cutAfterBytes !== undefined && sent + bytes.length >= rule.cutAfterBytes) {
            const last = bytes.subarray(0, rule.cutAfterBytes - sent);
            sent += last.length;
            cut = true;
            answer.destroy();
            outgoing.write(last, () => outgoing.socket?.destroy());
            return;
          }
          if (rule?.pauseAfterBytes !== undefined && rule.resumeWhen !== undefined && rule.pauseAfterBytes >= sent && rule.pauseAfterBytes < sent + bytes.length) {
            const before = bytes.subarray(0, rule.pauseAfterBytes - sent);
            const after = bytes.subarray(before.length);
            sent += bytes.length;
            outgoing.write(before);
            answer.pause();
            void rule.resumeWhen.finally(() => {
              if (outgoing.destroyed) return;
              outgoing.write(after);
              answer.resume();
            });
            return;
          }
          sent += bytes.length;
          if (!outgoing.write(bytes)) {
            answer.pause();
            outgoing.once('drain', () => answer.resume());
          }
        });
        answer.on('end', () => outgoing.end());
        answer.on('error', () => outgoing.socket?.destroy());
      },
    );
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else outgoing.socket?.destroy();
    });
    outgoing.on('close', () => upstream.destroy());
    incoming.pipe(upstream);
  };

  const server = createServer((incoming, outgoing) => {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    seen.push({ method, path });
    const rule = takeRule(method, path);
    const act = () => {
      if (rule?.status !== undefined) {
        const body = JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `fault relay answered ${rule.status}` }] });
        outgoing.writeHead(rule.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        outgoing.end(method === 'HEAD' ? undefined : body);
        incoming.resume();
        return;
      }
      forward(incoming, outgoing, rule);
    };
    if (rule?.hold !== undefined) {
      const go = () => {
        if (!outgoing.destroyed) act();
      };
      void rule.hold.then(go, go);
      return;
    }
    if (rule?.delayMs === undefined) return act();
    const timer = setTimeout(() => {
      delays.delete(timer);
      act();
    }, rule.delayMs);
    delays.add(timer);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const port = await freePort();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server.listening) return resolve();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const close = async () => {
    for (const timer of delays) clearTimeout(timer);
    delays.clear();
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    fault(rule) {
      const active: ActiveRule = { ...rule, used: 0 };
      rules.push(active);
      return () => {
        const index = rules.indexOf(active);
        if (index >= 0) rules.splice(index, 1);
      };
    },
    clearFaults: () => void rules.splice(0, rules.length),
    down: close,
    up: listen,
    count: (method, path) => seen.filter((r) => r.method === method && path.test(r.path)).length,
    requests: () => [...seen],
    async stop() {
      await close();
      agent.destroy();
    },
  };
}
