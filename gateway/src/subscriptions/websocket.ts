/** WebSocket plumbing on a node:http server (as the kit's `subgraph-ws.ts` does for subgraphs). */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

/** Accepts WebSocket upgrades on `path` only; any other upgrade is refused with 400. Returns the detach. */
export function acceptUpgrades(httpServer: Server, path: string, wss: WebSocketServer): () => void {
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  httpServer.on('upgrade', onUpgrade);
  return () => httpServer.off('upgrade', onUpgrade);
}

/** Closes every socket (1001 Going away), terminating those that do not close within `graceMs`. */
export async function closeSockets(wss: WebSocketServer, graceMs = 1000): Promise<void> {
  const sockets = [...wss.clients];
  for (const socket of sockets) socket.close(1001, 'Going away');
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            socket.terminate();
            resolve();
          }, graceMs);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}
