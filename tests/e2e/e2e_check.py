#!/usr/bin/env python3
"""Checks for tests/e2e/run.sh: what headless chromium made of a page.

Each subcommand checks one thing and exits 0, or prints why and exits 1.
Standard library only (Debian's python3).

  free-port                       print a loopback port nobody listens on
  index DOM INDEX_HTML            the DOM's <title> is the file's; prints the
                                  first relative link to a directory ("x/")
  listing DOM URL_PATH DIR [KEY ORDER]
                                  the DOM is the listing of DIR at URL_PATH,
                                  rows in the order KEY (name|size|mtime)
                                  ORDER (asc|desc) gives, computed here from
                                  the file system
  href DOM TEXT                   print the href of the row whose link text
                                  is TEXT
  text DOM FILE                   the DOM of a text/plain page shows FILE
  click URL SEL1 SEL2 CHROMIUM [ARGS...]
                                  in CHROMIUM, scripts off, load URL, click
                                  SEL1 (a CSS selector) with the mouse, then
                                  press Enter on SEL2 there; print each URL
                                  the page went to
  png PNG WIDTH HEIGHT light|dark|any
                                  the screenshot has that size, is not one
                                  flat colour, and its top-left pixel is
                                  light (or dark)
"""
import fcntl
import html.parser
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import zlib


def fail(msg):
    print(msg)
    sys.exit(1)


# ---- the DOM ---------------------------------------------------------------


class Page(html.parser.HTMLParser):
    """The parts of a listing a reader sees: title, h1, breadcrumbs, the
    parent row and each entry row (href, link text, size, datetime)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = self.h1 = ''
        self.nav = []          # (href, text)
        self.heads = []        # (URL the form submits, button text)
        self.up = None         # href of the parent row
        self.rows = []         # dict(href, text, size, datetime)
        self.links = []        # every <a href>
        self.pre = None
        self._stack = []
        self._row = None
        self._cell = None
        self._a = None
        self._form = None      # [fields, button text] of a head's form

    VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input',
            'link', 'meta', 'source', 'track', 'wbr'}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in self.VOID:
            self._stack.append(tag)
        if tag == 'a' and 'href' in a:
            self.links.append(a['href'])
            self._a = [a['href'], '']
        elif tag == 'form' and 'th' in self._stack:
            if a.get('method', 'get').lower() != 'get' or 'action' in a:
                self.heads.append(('form %r' % a, ''))
            self._form = [[], None]
        elif tag in ('button', 'input') and self._form is not None:
            # A GET form with no action submits its fields in document
            # order, the clicked button among them, to the page's path.
            if tag == 'button':
                self._form[1] = ''
            if 'name' in a:
                self._form[0].append((a['name'], a.get('value', '')))
        elif tag == 'tr':
            self._row = {'class': a.get('class', ''), 'href': None,
                         'text': '', 'size': '', 'datetime': None}
        elif tag == 'td' and self._row is not None:
            self._cell = a.get('class', '')
        elif tag == 'time' and self._row is not None:
            self._row['datetime'] = a.get('datetime')
        elif tag == 'pre' and self.pre is None:
            self.pre = ''

    def handle_endtag(self, tag):
        if tag == 'a' and self._a:
            href, text = self._a
            if 'nav' in self._stack:
                self.nav.append((href, text))
            elif 'th' in self._stack:
                self.heads.append(('link ' + href, text))
            elif self._row is not None and self._cell == 'n':
                self._row['href'], self._row['text'] = href, text
            self._a = None
        elif tag == 'tr' and self._row is not None:
            if self._row['class'] == 'up':
                self.up = self._row['href']
            elif self._row['href'] is not None:
                self.rows.append(self._row)
            self._row = None
        elif tag == 'td':
            self._cell = None
        elif tag == 'form' and self._form is not None:
            fields, text = self._form
            self.heads.append(('?' + urllib.parse.urlencode(fields), text))
            self._form = None
        while self._stack:
            if self._stack.pop() == tag:
                break

    def handle_data(self, data):
        top = self._stack[-1] if self._stack else ''
        if top == 'title':
            self.title += data
        elif 'h1' in self._stack:
            self.h1 += data
        if self._a is not None:
            self._a[1] += data
        if self._form is not None and self._form[1] is not None and \
                'button' in self._stack:
            self._form[1] += data
        if self._row is not None and self._cell == 's':
            self._row['size'] += data
        if self.pre is not None and 'pre' in self._stack:
            self.pre += data


def parse(path):
    p = Page()
    with open(path, encoding='utf-8', errors='strict') as f:
        p.feed(f.read())
    p.close()
    return p


# ---- what the listing must show, from the file system ------------------------


def human(size):
    if size < 1024:
        return '%d B' % size
    v = size / 1024.0
    units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']
    u = 0
    while v >= 1023.95 and u + 1 < len(units):
        v /= 1024.0
        u += 1
    return '%.1f %s' % (v, units[u])


def rfc3339(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def expected_rows(directory, key, order):
    """Directories (a link to one too) first; then by key, names (ASCII
    lower-cased, then bytes) breaking ties; desc reverses each group."""
    entries = []
    for name in os.listdir(os.fsencode(directory)):
        path = os.path.join(os.fsencode(directory), name)
        link = os.path.islink(path)
        try:
            st = os.stat(path)
            is_dir = os.path.isdir(path)
        except OSError:
            st, is_dir = os.lstat(path), False
        entries.append({'name': name, 'dir': is_dir, 'link': link,
                        'size': st.st_size if not (link and not os.path.exists(path)) else 0,
                        'mtime': int(st.st_mtime)})

    def sort_key(e):
        k = {'name': 0, 'size': e['size'], 'mtime': e['mtime']}[key]
        return (k, e['name'].lower(), e['name'])

    rows = []
    for group in (True, False):
        g = sorted((e for e in entries if e['dir'] == group), key=sort_key,
                   reverse=(order == 'desc'))
        rows += g
    out = []
    for e in rows:
        text = e['name'].decode('utf-8', 'replace')
        text += '@' if e['link'] else '/' if e['dir'] else ''
        out.append({'href': urllib.parse.quote(e['name']) + ('/' if e['dir'] else ''),
                    'text': text,
                    'size': '-' if e['dir'] else human(e['size']),
                    'datetime': rfc3339(e['mtime'])})
    return out


def check_listing(dom, url_path, directory, key='name', order='asc'):
    p = parse(dom)
    want_title = 'Directory listing for ' + url_path
    if p.title != want_title or p.h1 != want_title:
        fail('title %r, h1 %r; want %r' % (p.title, p.h1, want_title))
    # Breadcrumbs: "/", then each level of the path.
    crumbs, acc = [('/', '/')], '/'
    for seg in [s for s in url_path.split('/') if s]:
        acc += seg + '/'
        crumbs.append((urllib.parse.quote(acc), seg + '/'))
    if p.nav != crumbs:
        fail('breadcrumbs %r; want %r' % (p.nav, crumbs))
    want_up = None if url_path == '/' else '../'
    if p.up != want_up:
        fail('parent row %r; want %r' % (p.up, want_up))
    # Each head is a button in a GET form (a link would be followed by
    # wget -r); the current key's toggles its order, the others ascend.
    queries = [h for h in p.links if h.startswith('?')]
    if queries:
        fail('links to queries %r; sorting must be by form' % queries)
    heads = []
    for k in ('name', 'size', 'mtime'):
        o = ('desc' if order == 'asc' else 'asc') if k == key else 'asc'
        heads.append('?sort=%s&order=%s' % (k, o))
    if [h for h, _ in p.heads] != heads:
        fail('sort forms submit %r; want %r' % ([h for h, _ in p.heads], heads))
    got = [{k: r[k] for k in ('href', 'text', 'size', 'datetime')} for r in p.rows]
    want = expected_rows(directory, key, order)
    if got != want:
        lines = ['rows as the browser parsed them differ (got / want):']
        for i in range(max(len(got), len(want))):
            lines.append('  %r\n  %r' % (got[i] if i < len(got) else None,
                                         want[i] if i < len(want) else None))
        fail('\n'.join(lines))
    print('%d rows in order (%s %s)' % (len(got), key, order))


# ---- other pages -------------------------------------------------------------


def check_index(dom, index_html):
    p = parse(dom)
    f = Page()
    with open(index_html, encoding='utf-8') as fh:
        f.feed(fh.read())
    if not f.title or p.title != f.title:
        fail('title %r; the file says %r' % (p.title, f.title))
    for href in p.links:
        u = urllib.parse.urlsplit(href)
        if not u.scheme and not u.netloc and u.path.endswith('/') and \
                u.path not in ('/', './') and not u.path.startswith('../'):
            print(href)
            return
    fail('no relative link to a directory listing in the index')


def print_href(dom, text):
    for r in parse(dom).rows:
        if r['text'] == text:
            print(r['href'])
            return
    fail('no row with text %r' % text)


def check_text(dom, path):
    p = parse(dom)
    with open(path, encoding='utf-8') as f:
        want = f.read()
    if p.pre != want:
        fail('page shows %r; the file holds %r' % (p.pre, want))


# ---- screenshots ---------------------------------------------------------------


def png_rows(path):
    """(width, height, bytes per pixel, generator of unfiltered rows)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        fail('%s: not a PNG' % path)
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', chunk)
        elif kind == b'IDAT':
            idat.append(chunk)
        elif kind == b'IEND':
            break
    if not ihdr:
        fail('%s: no IHDR' % path)
    width, height, depth, ctype, _, _, interlace = ihdr
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or bpp is None or interlace:
        fail('%s: unexpected PNG format %r' % (path, ihdr))
    raw = zlib.decompress(b''.join(idat))
    stride = width * bpp

    def rows():
        prev = bytearray(stride)
        for y in range(height):
            base = y * (stride + 1)
            ftype = raw[base]
            line = bytearray(raw[base + 1:base + 1 + stride])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                if ftype == 1:
                    line[i] = (line[i] + a) & 255
                elif ftype == 2:
                    line[i] = (line[i] + b) & 255
                elif ftype == 3:
                    line[i] = (line[i] + ((a + b) >> 1)) & 255
                elif ftype == 4:
                    c = prev[i - bpp] if i >= bpp else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                    line[i] = (line[i] + pred) & 255
            yield line
            prev = line

    return width, height, bpp, rows()


def check_png(path, want_w, want_h, scheme):
    width, height, bpp, rows = png_rows(path)
    if (width, height) != (int(want_w), int(want_h)):
        fail('%s: %dx%d, want %sx%s' % (path, width, height, want_w, want_h))
    colours, corner = set(), None
    # Rows are decoded only until a second colour shows: a blank page
    # costs the whole image, a real one a few dozen rows.
    for line in rows:
        if corner is None:
            corner = bytes(line[:bpp])
        for x in range(0, len(line), bpp):
            colours.add(bytes(line[x:x + bpp]))
        if len(colours) > 1:
            break
    if len(colours) < 2:
        fail('%s: blank, one colour %r' % (path, corner))
    luma = sum(corner[:3]) / 3 if bpp >= 3 else corner[0]
    if scheme != 'any' and (scheme == 'dark') != (luma < 96):
        fail('%s: background %r is not %s' % (path, corner, scheme))
    print('%s: %dx%d, not blank, %s background %r' % (
        os.path.basename(path), width, height, scheme, corner[:3]))


# ---- a click in the browser --------------------------------------------------


class Cdp:
    """The DevTools protocol over --remote-debugging-pipe: chromium reads
    commands on its fd 3 and writes answers and events on its fd 4, each
    message JSON ended by a NUL. Every read has the run's deadline."""

    def __init__(self, wfd, rfd, deadline):
        self.wfd, self.rfd, self.deadline = wfd, rfd, deadline
        self.buf, self.id, self.events = b'', 0, []

    def recv(self):
        while b'\0' not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.rfd], [], [], left)[0]:
                fail('chromium did not answer in time')
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                fail('chromium closed the pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.id += 1
        msg = {'id': self.id, 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = session
        data = json.dumps(msg).encode() + b'\0'
        while data:
            data = data[os.write(self.wfd, data):]
        while True:
            m = self.recv()
            if m.get('id') == self.id:
                if 'error' in m:
                    fail('%s: %r' % (method, m['error']))
                return m['result']
            self.events.append(m)

    def wait_event(self, method):
        while True:
            m = self.events.pop(0) if self.events else self.recv()
            if m.get('method') == method:
                return m


def start_chromium(chrome):
    """chrome (argv) with the protocol on its fds 3 and 4."""
    to_chrome, from_chrome = os.pipe(), os.pipe()

    def fds():
        # Above 4 first, so that neither dup2 clobbers the other's source.
        r = fcntl.fcntl(to_chrome[0], fcntl.F_DUPFD, 10)
        w = fcntl.fcntl(from_chrome[1], fcntl.F_DUPFD, 10)
        os.dup2(r, 3)
        os.dup2(w, 4)

    proc = subprocess.Popen(list(chrome) + ['--remote-debugging-pipe', 'about:blank'],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            pass_fds=(3, 4), preexec_fn=fds)
    os.close(to_chrome[0])
    os.close(from_chrome[1])
    return proc, to_chrome[1], from_chrome[0]


def node_centre(cdp, sid, selector):
    root = cdp.send('DOM.getDocument', {}, sid)['root']['nodeId']
    node = cdp.send('DOM.querySelector', {'nodeId': root, 'selector': selector},
                    sid)['nodeId']
    if not node:
        fail('no %s on the page' % selector)
    quad = cdp.send('DOM.getBoxModel', {'nodeId': node}, sid)['model']['border']
    return node, sum(quad[0::2]) / 4, sum(quad[1::2]) / 4


def current_url(cdp, sid):
    cdp.wait_event('Page.loadEventFired')
    h = cdp.send('Page.getNavigationHistory', {}, sid)
    return h['entries'][h['currentIndex']]['url']


def click_sort(url, mouse_sel, key_sel, *chrome):
    """Load url with scripts off, click mouse_sel with the mouse, then on
    the page that gives press Enter on key_sel; print each URL reached."""
    proc, wfd, rfd = start_chromium(chrome)
    try:
        cdp = Cdp(wfd, rfd, time.monotonic() + 30)
        target = cdp.send('Target.createTarget', {'url': 'about:blank'})['targetId']
        sid = cdp.send('Target.attachToTarget',
                       {'targetId': target, 'flatten': True})['sessionId']
        cdp.send('Page.enable', {}, sid)
        cdp.send('Emulation.setScriptExecutionDisabled', {'value': True}, sid)
        cdp.send('Page.navigate', {'url': url}, sid)
        cdp.wait_event('Page.loadEventFired')
        _, x, y = node_centre(cdp, sid, mouse_sel)
        for kind in ('mouseMoved', 'mousePressed', 'mouseReleased'):
            cdp.send('Input.dispatchMouseEvent', {'type': kind, 'x': x, 'y': y,
                                                   'button': 'left', 'clickCount': 1}, sid)
        print('mouse on %s: %s' % (mouse_sel, current_url(cdp, sid)))
        node, _, _ = node_centre(cdp, sid, key_sel)
        cdp.send('DOM.focus', {'nodeId': node}, sid)
        for kind in ('rawKeyDown', 'char', 'keyUp'):
            cdp.send('Input.dispatchKeyEvent', {'type': kind, 'key': 'Enter', 'code': 'Enter',
                                                 'windowsVirtualKeyCode': 13, 'text': '\r'}, sid)
        print('Enter on %s: %s' % (key_sel, current_url(cdp, sid)))
        cdp.send('Browser.close')
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    print(s.getsockname()[1])
    s.close()


def main(argv):
    cmds = {
        'free-port': (free_port, 0),
        'index': (check_index, 2),
        'listing': (check_listing, 3),
        'href': (print_href, 2),
        'text': (check_text, 2),
        'png': (check_png, 4),
        'click': (click_sort, 4),
    }
    if len(argv) < 2 or argv[1] not in cmds:
        fail(__doc__)
    fn, nargs = cmds[argv[1]]
    args = argv[2:]
    if len(args) < nargs:
        fail(__doc__)
    fn(*args)


if __name__ == '__main__':
    main(sys.argv)
