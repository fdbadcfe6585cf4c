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
  | { kind: 'reset' } // the connection is destroyed without an answer
  | { kind: 'delay'; ms: number }; // forwarded after a pause

/** A fault for requests whose `METHOD path` matches `match`, applied to the first `times` of them. */
export interface FaultRule {
  match: RegExp;
  fault: Fault;
  times: number;
}

/** A reverse proxy in front of a plain-HTTP registry that injects faults; it records every request it saw. */
export interface FaultProxy {
  url: string; // 'http://127.0.0.1:PORT'
  host: string; // '127.0.0.1:PORT'
  /** `METHOD path` of every request received, faulted or not. */
  seen: string[];
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

/** Starts a fault-injecting reverse proxy on a free loopback port forwarding to `target` (an http:// origin). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let rules: FaultRule[] = [];
  const seen: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (ans) => {
      res.writeHead(ans.statusCode ?? 502, ans.headers);
      ans.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    seen.push(line);
    const rule = rules.find((r) => r.times > 0 && r.match.test(line));
    if (!rule) return forward(req, res);
    rule.times--;
    const f = rule.fault;
    if (f.kind === 'reset') return req.socket.destroy();
    if (f.kind === 'status') return res.writeHead(f.status, f.headers).end(f.body ?? '');
    const t = setTimeout(() => {
      timers.delete(t);
      if (!res.destroyed) forward(req, res);
    }, f.ms);
    timers.add(t);
  });
  const sockets = track(server);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
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
