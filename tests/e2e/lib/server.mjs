// The real httpd-lite ($HTTPD_LITE_BIN) on a free loopback port. Its
// stdout announces the port ("Serving HTTP on ..."), its stderr is the
// access log, kept here for tests that check what was requested.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { track } from './procs.mjs';

export const serverBin = () => resolve(process.env.HTTPD_LITE_BIN || './httpd-lite');

// A port nobody listened on a moment ago (httpd-lite takes no port 0);
// startServer tries again with another if it was taken since.
async function freePort() {
	const s = createServer();
	s.listen(0, '127.0.0.1');
	await once(s, 'listening');
	const { port } = s.address();
	s.close();
	await once(s, 'close');
	return port;
}

function startOnce(bin, root, args, port) {
	const proc = spawn(bin, ['-b', '127.0.0.1', '-p', String(port), '-d', root, ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	track(proc);
	const srv = { proc, port, out: '', err: '' };
	proc.stdout.setEncoding('utf8').on('data', (d) => (srv.out += d));
	proc.stderr.setEncoding('utf8').on('data', (d) => (srv.err += d));
	const ready = new Promise((ok) => {
		const check = () => {
			if (/^Serving HTTPS? /m.test(srv.out))
				ok(true);
		};
		proc.stdout.on('data', check);
		proc.on('exit', () => ok(false));
		setTimeout(ok, 10000, false).unref();
	});
	return { srv, ready };
}

// startServer(root, args): resolves to { base, port, log(), stop() }.
// args are extra flags (e.g. --tls-cert ...); with TLS the base URL is
// https. log() is the access log so far, one line a request.
export async function startServer(root, args = []) {
	const bin = serverBin();
	const tls = args.includes('--tls-cert');
	let lastErr = '';
	for (let attempt = 0; attempt < 5; attempt++) {
		const { srv, ready } = startOnce(bin, root, args, await freePort());
		if (await ready) {
			return {
				port: srv.port,
				base: `${tls ? 'https' : 'http'}://127.0.0.1:${srv.port}`,
				log: () => srv.err,
				stop: () => stop(srv.proc),
			};
		}
		lastErr = srv.err;
		await stop(srv.proc);
	}
	throw new Error(`${bin} did not start: ${lastErr.trim()}`);
}

async function stop(proc) {
	if (proc.exitCode !== null || proc.signalCode !== null)
		return;
	const exited = once(proc, 'exit');
	proc.kill('SIGTERM');
	const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
	await exited;
	clearTimeout(timer);
}
