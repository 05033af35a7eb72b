import { createServer, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { freePort } from './ports.js';

// A forward proxy on loopback, as HTTP_PROXY / HTTPS_PROXY name one: CONNECT tunnels (https
// targets) and absolute-form requests (http targets), counted so a test can see what went through it.

export interface ForwardProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** CONNECT targets (host:port), one per tunnel opened. */
  tunnels(): string[];
  /** Bytes that came back from the targets through the tunnels. */
  tunneledBytes(): number;
  /** Absolute-form request targets (http://host:port/path) received. */
  forwarded(): string[];
  stop(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  let bytes = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = createServer((req, res) => {
    const target = URL.canParse(req.url ?? '') ? new URL(req.url ?? '') : undefined;
    if (target === undefined) return void res.writeHead(400).end('absolute-form request expected');
    forwarded.push(target.href);
    const out = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(out);
  });
  server.on('connection', track);
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    const colon = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(colon + 1)), target.slice(0, colon).replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('data', (chunk: Buffer) => void (bytes += chunk.length));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });

  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels: () => [...tunnels],
    tunneledBytes: () => bytes,
    forwarded: () => [...forwarded],
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
