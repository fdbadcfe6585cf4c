import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** What a matching request gets instead of (or before) the real registry's answer. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'headers'; headers: Record<string, string> } // the registry's real answer, with these headers set
  | { kind: 'reset' } // the connection is reset without an answer
  | { kind: 'reset-body' } // the registry's real answer: its headers and half its body, then the connection is reset
  | { kind: 'hang' } // the request is taken and never answered (until the proxy stops)
  | { kind: 'delay'; ms: number }; // forwarded after a pause

/** A fault for requests whose `METHOD path` matches `match`, applied to the first `times` of them (Infinity: all). */
export interface FaultRule {
  match: RegExp;
  fault: Fault;
  times: number;
}

/** Where the proxy forwards: the registry, and optionally its token issuer (see startFaultProxy). */
export interface ProxyTargets {
  /** the registry's http:// origin */
  registry: string;
  /** the token issuer's http:// origin: requests outside /v2/ go there, and the registry's realm points here */
  tokenIssuer?: string;
}

/** A reverse proxy in front of a plain-HTTP registry that injects faults; it records every request it saw. */
export interface FaultProxy {
  url: string; // 'http://127.0.0.1:PORT'
  host: string; // '127.0.0.1:PORT'
  /** `METHOD path` of every request received, faulted or not. */
  seen: string[];
  /** `METHOD path` of every request that carried a Range header (a client resuming a body). */
  ranged: string[];
  setRules(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/**
 * Starts a fault-injecting reverse proxy on a free loopback port in front of a plain-HTTP registry. With a token
 * issuer, the proxy stands in front of it too: it forwards every request outside /v2/ to the issuer and rewrites the
 * realm of the registry's challenges to itself, so that the token endpoint can be faulted like the registry.
 */
export async function startFaultProxy(target: string | ProxyTargets): Promise<FaultProxy> {
  const targets = typeof target === 'string' ? { registry: target } : target;
  let rules: FaultRule[] = [];
  const seen: string[] = [];
  const ranged: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let self = '';
  const upstream = (req: IncomingMessage, onAnswer: (ans: IncomingMessage) => void, res: ServerResponse) => {
    const path = req.url ?? '/';
    const origin = targets.tokenIssuer && !path.startsWith('/v2') ? targets.tokenIssuer : targets.registry;
    const up = httpRequest(new URL(path, origin), { method: req.method, headers: req.headers }, onAnswer);
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const headersOf = (ans: IncomingMessage) => {
    const headers = { ...ans.headers };
    const challenge = headers['www-authenticate'];
    if (targets.tokenIssuer && typeof challenge === 'string') {
      headers['www-authenticate'] = challenge.split(targets.tokenIssuer).join(self);
    }
    return headers;
  };
  const forward = (req: IncomingMessage, res: ServerResponse) =>
    upstream(
      req,
      (ans) => {
        res.writeHead(ans.statusCode ?? 502, headersOf(ans));
        ans.pipe(res);
      },
      res,
    );
  // The real answer's headers and the first half of its body; then a TCP reset, as a broken network would.
  const breakBody = (req: IncomingMessage, res: ServerResponse) =>
    upstream(
      req,
      (ans) => {
        const chunks: Buffer[] = [];
        ans.on('data', (c: Buffer) => chunks.push(c));
        ans.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(ans.statusCode ?? 502, headersOf(ans));
          res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => {
            const t = setTimeout(() => {
              timers.delete(t);
              req.socket.resetAndDestroy();
            }, 20);
            timers.add(t);
          });
        });
      },
      res,
    );
  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    seen.push(line);
    if (req.headers.range) ranged.push(line);
    const rule = rules.find((r) => r.times > 0 && r.match.test(line));
    if (!rule) return forward(req, res);
    rule.times--;
    const f = rule.fault;
    if (f.kind === 'reset') return req.socket.resetAndDestroy();
    if (f.kind === 'reset-body') return breakBody(req, res);
    if (f.kind === 'hang') return; // the socket stays open, unanswered, until stop()
    if (f.kind === 'status') return res.writeHead(f.status, f.headers).end(f.body ?? '');
    if (f.kind === 'headers') {
      return upstream(
        req,
        (ans) => {
          res.writeHead(ans.statusCode ?? 502, { ...headersOf(ans), ...f.headers });
          ans.pipe(res);
        },
        res,
      );
    }
    const t = setTimeout(() => {
      timers.delete(t);
      if (!res.destroyed) forward(req, res);
    }, f.ms);
    timers.add(t);
  });
  const sockets = track(server);
  const port = await listen(server);
  self = `http://127.0.0.1:${port}`;
  return {
    url: self,
    host: `127.0.0.1:${port}`,
    seen,
    ranged,
    setRules: (r) => (rules = r.map((x) => ({ ...x }))),
    stop: () => {
      for (const t of timers) clearTimeout(t);
      return close(server, sockets);
    },
  };
}

/** A forward proxy answering CONNECT (what HTTPS_PROXY points at); it counts the tunnels it opened. */
export interface ConnectProxy {
  url: string;
  tunnels: string[]; // 'host:port' of each CONNECT
  stop(): Promise<void>;
}

/** Starts an HTTP CONNECT proxy on a free loopback port. */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  const sockets = track(server);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, tunnels, stop: () => close(server, sockets) };
}
