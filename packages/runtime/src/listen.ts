import type { Server } from 'node:net';
import { StartupError } from './process-lifecycle.js';

/**
 * Listen on host:port, or throw a StartupError naming the setting to change when the address
 * cannot be had (port in use, privileged port, address not on this machine).
 */
export function listenOn(server: Server, port: number, host: string, setting: { port: string; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      server.off('listening', listening);
      reject(listenFailure(error, port, host, setting));
    };
    const listening = () => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed);
    server.once('listening', listening);
    server.listen(port, host);
  });
}

function listenFailure(error: NodeJS.ErrnoException, port: number, host: string, setting: { port: string; host: string }): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(`port ${port} is in use; set ${setting.port}`, { cause: error });
    case 'EACCES':
      return new StartupError(`port ${port} needs privileges this process lacks; set ${setting.port}`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new StartupError(`address ${host} is not one of this machine's; set ${setting.host}`, { cause: error });
    default:
      return error;
  }
}
