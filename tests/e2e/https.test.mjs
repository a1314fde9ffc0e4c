// The same listing through TLS: a throw-away self-signed certificate,
// which the browsers are launched to accept.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, until } from './lib/harness.mjs';
import { checkListing } from './lib/listing.mjs';
import { startServer } from './lib/server.mjs';

// One certificate for the run, made the first time a test asks.
let cert = null;
function certificate(tmp) {
	if (!cert) {
		cert = { key: join(tmp, 'key.pem'), crt: join(tmp, 'cert.pem') };
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
			'-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
			'-keyout', cert.key, '-out', cert.crt], { stdio: 'ignore' });
	}
	return cert;
}

test('https_listing_in_the_browser', async (t) => {
	const { key, crt } = certificate(t.tmp);
	const srv = await startServer(t.site.root, ['--tls-cert', crt, '--tls-key', key]);
	t.defer(() => srv.stop());
	const res = await t.page.goto(`${srv.base}/browse/`);
	if (!t.page.url().startsWith('https://') || res.status() !== 200)
		throw new Error(`${t.page.url()}: ${res.status()}`);
	t.note(`${srv.base}/browse/:`, await checkListing(t.page, '/browse/', join(t.site.root, 'browse')));
	await until('the request in the TLS server\'s log', () => /"GET \/browse\/ HTTP\/1\.1" 200/.test(srv.log()));
}, { needs: ['tls', 'openssl'] });
