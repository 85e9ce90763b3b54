#!/usr/bin/env python3
"""An S3-compatible test server that verifies every request's AWS Signature
Version 4 itself, from the bytes on the wire, and serves buckets from memory.

Standard library only.  Written for tests/integ/test_s3_sigv4.c, which starts
it in a temporary folder and stops it in its fini:

  sigv4_s3.py [--port 0] [--port-file F] [--log FILE]
              [--access-key AK] [--secret-key SK] [--region us-east-1]
              [--temp-credentials AK:SK:TOKEN] [--bucket NAME]... [--domain localhost]
              [--max-skew-s 900] [--exit-on-stdin-eof]
              [--object BUCKET/KEY=SIZE]... [--stall-after N] [--cut-after N] [--endless BUCKET]...
              [--upload BUCKET/KEY=PARTS:SIZE]... [--fail-part N] [--fail-part-always N]
              [--complete-error] [--page-cap N]

It binds 127.0.0.1 (port 0: the kernel picks a free one), prints the port on
stdout once listening (and writes it to --port-file atomically), and exits on
SIGTERM / SIGINT, or when stdin reaches end of file with --exit-on-stdin-eof
(the test holds the other end of a pipe: a test that dies takes the server
with it).

The signature is recomputed the way S3 does it, nothing taken from the
client on trust:

  canonical URI      the path percent-decoded to bytes, then every byte but
                     A-Z a-z 0-9 - _ . ~ and '/' encoded as %XX (upper case):
                     a client that signs anything but the canonical form of
                     the path it sent is refused;
  canonical query    the raw query string split on '&', each name and value
                     percent-decoded ('+' is a literal plus) and re-encoded
                     the same way, sorted by name then value, "name=value"
                     joined with '&': an unsorted or non-canonically encoded
                     query is refused;
  canonical headers  the SignedHeaders of the Authorization header (which
                     must be lower case, sorted, and include host, x-amz-date,
                     x-amz-content-sha256 and every other x-amz-* header sent),
                     each value trimmed with inner runs of blanks collapsed;
  payload hash       the x-amz-content-sha256 header (hex SHA-256 of the body,
                     or UNSIGNED-PAYLOAD), checked against the body received;
  string to sign     AWS4-HMAC-SHA256, x-amz-date, the credential scope
                     (date/region/s3/aws4_request, date and region checked),
                     the hex SHA-256 of the canonical request;
  signature          HMAC-SHA256 chain from "AWS4" + secret over date,
                     region, "s3", "aws4_request".

A mismatch is answered 403 SignatureDoesNotMatch with S3's XML error document
(StringToSign and CanonicalRequest included).  Other refusals: 403
InvalidAccessKeyId, AccessDenied (anonymous, unsigned x-amz-* header),
RequestTimeTooSkewed, InvalidToken; 400 AuthorizationHeaderMalformed,
InvalidRequest (x-amz-content-sha256 or Content-MD5 missing),
XAmzContentSHA256Mismatch, BadDigest (Content-MD5).

Every request is logged, before it is answered, as one line of --log with
tab-separated fields:

  VERDICT STATUS METHOD STYLE BUCKET KEY RAW_PATH RAW_QUERY OP DETAIL

VERDICT is "ok" or "REJECTED" (the signature or the payload check refused
it; "ok" lines may still carry a 4xx/5xx S3 answer such as NoSuchKey); STYLE
is "path" or "vhost"; BUCKET and KEY are the decoded names with every byte
outside 0x21-0x7e (and the backslash) written \\xHH ("-" when absent);
RAW_PATH and RAW_QUERY are exactly as received ("-" when empty); OP is the
S3 operation; DETAIL says why a request was refused (or "-").

Operations: ListBuckets; CreateBucket; HeadBucket; ListObjectsV2 (prefix,
delimiter, max-keys up to 1000, continuation-token, start-after,
encoding-type=url, which encodes as S3 and MinIO do: space as '+', '/' and
'*' kept, every other byte outside A-Z a-z 0-9 - _ . as %XX); HeadObject;
GetObject with a Range (bytes=A-B, A-, -N; 416 InvalidRange beyond the end);
PutObject (Content-MD5 checked when sent); DeleteObject; DeleteObjects
(Content-MD5 required and checked, Quiet honoured, at most 1000 keys, no
DOCTYPE).  Continuation tokens are opaque, contain '+', '/' and '=' on
purpose (standard base64 of a marker and the last key), and must come back
exactly as they were issued (400 InvalidArgument otherwise).  Virtual-host
style: a Host of BUCKET.DOMAIN[:port] (--domain, default localhost: curl
resolves *.localhost to the loopback without DNS).

For screen tests (tests/ui/screens.sh's "# sigv4:" directive): --object
seeds an object of SIZE bytes (KEY percent-decoded: %00 puts a NUL in it;
the bucket is created); --stall-after N answers every GetObject (whole
or ranged) with its full Content-Length but only the first N bytes, then
holds the connection until the client closes it (a download that hangs
mid-body); --cut-after N cuts the first GetObject answer after N bytes of
its body (as /__test/cut?after=N&count=1 would); /__test/cut, /__test/change and /__test/ranges (see
test_control) cut answers short, change an object's ETag and tell which
ranges were asked for (tests/integ/test_s3_resume.c); --endless BUCKET lists that bucket as a server that never stops
paging: every page full of generated keys, always truncated.

Multipart uploads: CreateMultipartUpload (POST ?uploads), UploadPart (PUT
?partNumber=N&uploadId=ID, part numbers 1-10000, every part but the last
at least 5 MiB, checked at Complete as S3 does: EntityTooSmall),
CompleteMultipartUpload (the <Part> list must name uploaded parts in
ascending order with their ETags: InvalidPart, InvalidPartOrder; the ETag
is S3's MD5-of-MD5s "-N"), AbortMultipartUpload (DELETE ?uploadId: 204;
NoSuchUpload 404 for an unknown id), ListMultipartUploads (GET ?uploads,
max-uploads up to 1000, key-marker and upload-id-marker, encoding-type=url)
and ListParts (GET ?uploadId, max-parts, part-number-marker).  For tests:
--upload seeds an incomplete upload of PARTS parts of SIZE bytes (upload
ids "sigv4-upload-1", "-2"... in the order given, initiated a minute apart
from 2026-10-01T09:00Z); --fail-part N answers the first UploadPart of
part N with 500 InternalError (the retry then succeeds); --fail-part-always
N answers every UploadPart of part N so; --complete-error answers
CompleteMultipartUpload 200 with an <Error> body, as S3 may; --page-cap N
makes ListMultipartUploads and ListParts pages hold at most N entries.

Leaves out: TLS, presigned URLs (query-string auth is refused), chunked
STREAMING-AWS4-HMAC-SHA256-PAYLOAD uploads, UploadPartCopy, versioning,
ListObjects v1, copy, ACLs.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import os
import re
import signal
import struct
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
ALGORITHM = "AWS4-HMAC-SHA256"
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
# encoding-type=url as MinIO writes it (Go's url.QueryEscape with S3's
# exceptions): space becomes '+', '/' and '*' stay, '~' is encoded.
LISTING_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./*")
BLANKS = re.compile(r"[ \t]+")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Makes every token's base64 hold '+' and '/' ("++++////"); the padding
# below gives it '='.
TOKEN_MAGIC = b"\xfb\xef\xbe\xff\xff\xff"
MAX_KEYS_CAP = 1000
MAX_DELETE = 1000
MIN_PART = 5 << 20
UPLOADS_INITIATED = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.timezone.utc).timestamp()


def uri_encode(raw, keep_slash):
    """SigV4's encoding of bytes: unreserved kept, '/' kept when asked,
    every other byte %XX with upper-case hex."""
    out = []
    for b in raw:
        if b in UNRESERVED or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def listing_encode(raw):
    out = []
    for b in raw:
        if b == 0x20:
            out.append("+")
        elif b in LISTING_SAFE:
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out).encode("ascii")


def escape_name(raw):
    """Bucket or key for the log: printable ASCII kept, the rest \\xHH."""
    if raw is None:
        return "-"
    out = []
    for b in raw:
        if 0x21 <= b <= 0x7E and b != 0x5C:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out) or "-"


def one_line(s):
    return re.sub(r"[\t\r\n]+", " ", s) if s else "-"


def xml_text(raw):
    """Bytes escaped for XML element content (raw control bytes are left as
    they are: only encoding-type=url can carry them properly)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return (raw.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
            .replace(b"\r", b"&#13;"))


def iso8601(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (int(t * 1000) % 1000)


def http_date(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S GMT")


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


class Refused(Exception):
    """A request the verifier refuses: status, S3 error code, message and
    extra <Error> elements."""

    def __init__(self, status, code, message, extra=None):
        Exception.__init__(self, "%s: %s" % (code, message))
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or []


class S3Error(Exception):
    """An S3 answer that is not a verification failure (NoSuchKey, ...)."""

    def __init__(self, status, code, message, extra=None, headers=None):
        Exception.__init__(self, "%s: %s" % (code, message))
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or []
        self.headers = headers or []


class Obj(object):
    __slots__ = ("data", "ctype", "etag", "mtime", "meta")

    def __init__(self, data, ctype, meta):
        self.data = data
        self.ctype = ctype
        self.etag = '"%s"' % hashlib.md5(data).hexdigest()
        self.mtime = time.time()
        self.meta = meta


# The --bucket buckets' CreationDate: fixed, a minute apart in the order
# given, so that a client's dates can be checked exactly.
BUCKETS_CREATED = datetime.datetime(2026, 10, 1, 8, 0, tzinfo=datetime.timezone.utc).timestamp()


class Store(object):
    def __init__(self, buckets):
        self.lock = threading.Lock()
        self.buckets = {b: {} for b in buckets}
        self.created = {b: BUCKETS_CREATED + 60 * i for i, b in enumerate(buckets)}
        self.tokens = set()
        self.uploads = {}  # upload id -> Upload
        self.upload_seq = 0
        self.part_tries = {}  # part number -> UploadPart requests received


class Upload(object):
    def __init__(self, bucket, key, initiated):
        self.bucket = bucket
        self.key = key
        self.initiated = initiated
        self.parts = {}  # number -> (data, etag, mtime)


def make_token(last):
    raw = TOKEN_MAGIC + struct.pack(">H", len(last)) + last
    while len(raw) % 3 != 1:
        raw += b"\0"
    return base64.b64encode(raw).decode("ascii")


def token_key(tok):
    raw = base64.b64decode(tok.encode("ascii"), validate=True)
    if not raw.startswith(TOKEN_MAGIC):
        raise ValueError("no magic")
    (n,) = struct.unpack(">H", raw[6:8])
    return raw[8:8 + n]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sigv4-s3"
    sys_version = ""
    # Headers and body go out in separate writes: without this, Nagle and
    # the client's delayed ACK cost 40 ms a request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("sigv4_s3: " + (fmt % args) + "\n")

    def do_GET(self):
        self.s3("GET")

    def do_HEAD(self):
        self.s3("HEAD")

    def do_PUT(self):
        self.s3("PUT")

    def do_POST(self):
        self.s3("POST")

    def do_DELETE(self):
        self.s3("DELETE")

    # --- plumbing -------------------------------------------------------

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts), True
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        n = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(n) if n > 0 else b""), False

    def answer(self, status, body=b"", headers=None, length=None):
        self.send_response(status)
        hdrs = list(headers or [])
        names = {h.lower() for h, _ in hdrs}
        if body and "content-type" not in names:
            hdrs.append(("Content-Type", "application/xml"))
        hdrs.append(("Content-Length", str(len(body) if length is None else length)))
        hdrs.append(("x-amz-request-id", "%016X" % (id(self) & 0xFFFFFFFFFFFFFFFF)))
        for h, v in hdrs:
            self.send_header(h, v)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error_doc(self, code, message, extra):
        parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>', xml_text(code),
                 b"</Code><Message>", xml_text(message), b"</Message>"]
        for name, value in extra:
            parts += [b"<", name.encode(), b">", xml_text(value), b"</", name.encode(), b">"]
        parts.append(b"<RequestId>%016X</RequestId></Error>" % (id(self) & 0xFFFFFFFFFFFFFFFF))
        return b"".join(parts)

    def log_line(self, verdict, status, style, bucket, key, raw_path, raw_query, op, detail):
        line = "\t".join([verdict, str(status), self.command, style, escape_name(bucket),
                          escape_name(key), raw_path or "-", raw_query or "-", op,
                          one_line(detail)]) + "\n"
        srv = self.server
        with srv.log_lock:
            if srv.log:
                srv.log.write(line)
                srv.log.flush()

    # --- the request ----------------------------------------------------

    def s3(self, method):
        target = self.path
        raw_path, _, raw_query = target.partition("?")
        body, chunked = self.read_body()
        if raw_path.startswith("/__test/"):
            return self.test_control(method, raw_path, raw_query)
        opts = self.server.opts
        host = self.headers.get("Host") or ""
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host
        style = "path"
        path_bytes = urllib.parse.unquote_to_bytes(raw_path)
        bucket = key = None
        suffix = "." + opts.domain
        if hostname.endswith(suffix) and len(hostname) > len(suffix):
            style = "vhost"
            bucket = hostname[:-len(suffix)].encode("utf-8", "surrogateescape")
            key = path_bytes[1:] if path_bytes.startswith(b"/") else path_bytes
            key = key or None
        else:
            rest = path_bytes[1:] if path_bytes.startswith(b"/") else path_bytes
            if rest:
                b, sep, k = rest.partition(b"/")
                bucket = b
                key = k if sep and k else None
        query = parse_query(raw_query)
        op = operation(method, bucket, key, query)
        try:
            payload = self.verify(method, op, raw_path, raw_query, body, chunked)
        except Refused as e:
            self.log_line("REJECTED", e.status, style, bucket, key, raw_path, raw_query, op,
                          "%s: %s" % (e.code, e.message))
            self.answer(e.status, b"" if method == "HEAD" else
                        self.error_doc(e.code, e.message, e.extra))
            return
        try:
            status, out, hdrs, length = self.dispatch(op, method, bucket, key, query, body,
                                                      payload)
            detail = "-"
        except S3Error as e:
            status, hdrs, length = e.status, e.headers, None
            out = b"" if method == "HEAD" else self.error_doc(e.code, e.message, e.extra)
            detail = "%s: %s" % (e.code, e.message)
        self.log_line("ok", status, style, bucket, key, raw_path, raw_query, op, detail)
        if op == "GetObject":
            self.note_range(key, status)
            if self.cut_response(status, out, hdrs, length):
                return
        stall = opts.stall_after
        if op == "GetObject" and status in (200, 206) and stall is not None and stall < len(out):
            self.answer(status, out[:stall], hdrs, len(out))
            self.wfile.flush()
            while self.rfile.read(1):  # held until the client goes
                pass
            self.close_connection = True
            return
        self.answer(status, out, hdrs, length)

    # --- test controls for resumable downloads ----------------------------
    # Unsigned, on /__test/ only (the test's own process calls them):
    #   POST /__test/cut?after=N[&count=C]  the next C (default: every)
    #        GetObject answers send their headers and the first N bytes of
    #        the body, then close the connection; after=-1 stops cutting;
    #   POST /__test/change?bucket=B&key=K  the object's first byte changes
    #        (same size, new content, new ETag);
    #   GET  /__test/ranges  "STATUS KEY RANGE" of every GetObject since the
    #        last call (RANGE "-" without one), one a line; then forgets them.

    def test_control(self, method, raw_path, raw_query):
        q = dict(urllib.parse.parse_qsl(raw_query))
        srv = self.server
        with srv.store.lock:
            if method == "POST" and raw_path == "/__test/cut":
                srv.cut = (int(q.get("after", "-1")), int(q.get("count", "-1")))
                return self.answer(204)
            if method == "POST" and raw_path == "/__test/change":
                objs = srv.store.buckets.get(q.get("bucket"), {})
                o = objs.get(q.get("key", "").encode("utf-8"))
                if o is None or not o.data:
                    return self.answer(404)
                data = bytes([(o.data[0] + 1) % 256]) + o.data[1:]
                objs[q["key"].encode("utf-8")] = Obj(data, o.ctype, o.meta)
                return self.answer(204)
            if method == "GET" and raw_path == "/__test/ranges":
                out = "".join("%d %s %s\n" % r for r in srv.ranges).encode()
                srv.ranges = []
                return self.answer(200, out, [("Content-Type", "text/plain")])
        return self.answer(404)

    def note_range(self, key, status):
        with self.server.store.lock:
            self.server.ranges.append((status, escape_name(key),
                                       self.headers.get("Range") or "-"))

    def cut_response(self, status, out, hdrs, length):
        """Sends a cut answer when /__test/cut asked for one: True then."""
        srv = self.server
        with srv.store.lock:
            after, count = srv.cut
            if after < 0 or count == 0 or status not in (200, 206) or after >= len(out):
                return False
            srv.cut = (after, count - 1 if count > 0 else count)
        self.answer(status, out[:after], hdrs, len(out))
        self.wfile.flush()
        self.close_connection = True
        return True

    def verify(self, method, op, raw_path, raw_query, body, chunked):
        """Raises Refused unless the request is signed right; returns the
        payload hash it was signed with."""
        opts = self.server.opts
        query = parse_query(raw_query)
        if any(n.lower() in (b"x-amz-signature", b"x-amz-credential") for n, _ in query):
            raise Refused(403, "AccessDenied", "query-string authentication is not served here")
        auth = self.headers.get("Authorization")
        if not auth:
            raise Refused(403, "AccessDenied", "Access Denied (anonymous request)")
        algo, _, rest = auth.strip().partition(" ")
        if algo != ALGORITHM:
            raise Refused(400, "InvalidArgument",
                          "Unsupported Authorization Type %r" % algo[:40])
        fields = {}
        for part in rest.split(","):
            k, eq, v = part.strip().partition("=")
            if not eq or k in fields:
                raise Refused(400, "AuthorizationHeaderMalformed",
                              "bad Authorization component %r" % part.strip()[:60])
            fields[k] = v
        for need in ("Credential", "SignedHeaders", "Signature"):
            if need not in fields:
                raise Refused(400, "AuthorizationHeaderMalformed", "%s missing" % need)
        cred = fields["Credential"].split("/")
        if len(cred) != 5:
            raise Refused(400, "AuthorizationHeaderMalformed",
                          "Credential %r is not AK/DATE/REGION/s3/aws4_request"
                          % fields["Credential"])
        ak, cdate, region, service, term = cred
        secret, token = opts.keys.get(ak, (None, None))
        if secret is None:
            raise Refused(403, "InvalidAccessKeyId",
                          "The AWS Access Key Id you provided does not exist in our records.",
                          [("AWSAccessKeyId", ak)])
        if region != opts.region:
            raise Refused(400, "AuthorizationHeaderMalformed",
                          "the region '%s' is wrong; expecting '%s'" % (region, opts.region),
                          [("Region", opts.region)])
        if service != "s3" or term != "aws4_request":
            raise Refused(400, "AuthorizationHeaderMalformed",
                          "credential scope must end in s3/aws4_request, not %s/%s"
                          % (service, term))
        amzdate = self.headers.get("x-amz-date") or ""
        try:
            when = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise Refused(403, "AccessDenied", "x-amz-date %r is missing or malformed"
                          % amzdate[:40])
        if amzdate[:8] != cdate:
            raise Refused(400, "AuthorizationHeaderMalformed",
                          "credential date %s is not the date of x-amz-date %s"
                          % (cdate, amzdate))
        skew = abs(time.time() - when.timestamp())
        if skew > opts.max_skew_s:
            raise Refused(403, "RequestTimeTooSkewed",
                          "The difference between the request time and the current time "
                          "is too large (%d s)." % skew)
        payload = self.headers.get("x-amz-content-sha256")
        if payload is None:
            raise Refused(400, "InvalidRequest",
                          "Missing required header for this request: x-amz-content-sha256")
        if payload.startswith("STREAMING-"):
            raise Refused(501, "NotImplemented", "streaming uploads are not served here")
        if payload != UNSIGNED and not HEX64.match(payload):
            raise Refused(400, "InvalidArgument",
                          "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 "
                          "in lower-case hex, not %r" % payload[:80])
        signed = fields["SignedHeaders"].split(";")
        if signed != sorted(set(signed)) or any(h != h.lower() or not h for h in signed):
            raise Refused(400, "AuthorizationHeaderMalformed",
                          "SignedHeaders %r are not lower case, sorted and unique"
                          % fields["SignedHeaders"])
        for need in ("host", "x-amz-date", "x-amz-content-sha256"):
            if need not in signed:
                raise Refused(403, "AccessDenied", "%s is not among the signed headers" % need)
        present = {h.lower() for h in self.headers.keys()}
        unsigned = sorted(h for h in present if h.startswith("x-amz-") and h not in signed)
        if unsigned:
            raise Refused(403, "AccessDenied",
                          "There were headers present in the request which were not signed",
                          [("HeadersNotSigned", ", ".join(unsigned))])
        lines = []
        for h in signed:
            values = self.headers.get_all(h)
            if values is None:
                raise Refused(403, "AccessDenied", "signed header %s is not in the request" % h)
            # http.server decoded the header bytes as Latin-1: one char per byte
            vals = [BLANKS.sub(" ", v.strip(" \t")) for v in values]
            lines.append("%s:%s\n" % (h, ",".join(vals)))
        canonical_query = "&".join(
            "%s=%s" % (uri_encode(n, False), uri_encode(v, False)) for n, v in sorted(query))
        canonical_uri = uri_encode(urllib.parse.unquote_to_bytes(raw_path), True) or "/"
        creq = "\n".join([method, canonical_uri, canonical_query, "".join(lines),
                          fields["SignedHeaders"], payload])
        scope = "/".join([cdate, region, service, term])
        sts = "\n".join([ALGORITHM, amzdate, scope,
                         hashlib.sha256(creq.encode("latin-1", "replace")).hexdigest()])
        k = ("AWS4" + secret).encode("utf-8")
        for part in (cdate, region, service, term):
            k = hmac_sha256(k, part)
        want = hmac.new(k, sts.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, fields["Signature"]):
            raise Refused(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature "
                          "you provided. Check your key and signing method.",
                          [("AWSAccessKeyId", ak), ("StringToSign", sts),
                           ("CanonicalRequest", creq)])
        sent_token = self.headers.get("x-amz-security-token")
        if token is not None and sent_token != token:
            raise Refused(403, "InvalidToken",
                          "The provided token is malformed or otherwise invalid.")
        if token is None and sent_token is not None:
            raise Refused(403, "InvalidToken", "a session token with long-term credentials")
        if payload != UNSIGNED and hashlib.sha256(body).hexdigest() != payload:
            raise Refused(400, "XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what "
                          "was computed.",
                          [("ClientComputedContentSHA256", payload),
                           ("S3ComputedContentSHA256", hashlib.sha256(body).hexdigest())])
        md5 = self.headers.get("Content-MD5")
        if md5 is None and op == "DeleteObjects":
            raise Refused(400, "InvalidRequest",
                          "Missing required header for this request: Content-MD5")
        if md5 is not None:
            if base64.b64encode(hashlib.md5(body).digest()).decode() != md5.strip():
                raise Refused(400, "BadDigest",
                              "The Content-MD5 you specified did not match what we received.")
        if chunked and method == "PUT":
            raise Refused(411, "MissingContentLength", "You must provide the Content-Length "
                          "HTTP header.")
        return payload

    # --- operations -----------------------------------------------------

    def dispatch(self, op, method, bucket, key, query, body, payload):
        st = self.server.store
        if op == "ListBuckets":
            return 200, self.list_buckets(), [], None
        name = bucket.decode("utf-8", "replace") if bucket is not None else None
        with st.lock:
            objs = st.buckets.get(name)
        if op == "CreateBucket":
            if not BUCKET_RE.match(name or ""):
                raise S3Error(400, "InvalidBucketName", "The specified bucket is not valid.",
                              [("BucketName", name)])
            with st.lock:
                if name in st.buckets:
                    raise S3Error(409, "BucketAlreadyOwnedByYou", "Your previous request to "
                                  "create the named bucket succeeded and you already own it.",
                                  [("BucketName", name)])
                st.buckets[name] = {}
                st.created[name] = time.time()
            return 200, b"", [("Location", "/" + name)], None
        if objs is None:
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist",
                          [("BucketName", name)])
        if op == "HeadBucket":
            return 200, b"", [], None
        if op == "ListObjectsV2":
            return 200, self.list_objects(name, objs, query), [], None
        if op == "DeleteObjects":
            return 200, self.delete_objects(objs, body), [], None
        if op in MPU_OPS:
            return self.multipart(op, name, objs, key, query, body)
        if op == "PutObject":
            meta = [(h.lower(), v) for h, v in self.headers.items()
                    if h.lower().startswith("x-amz-meta-")]
            o = Obj(body, self.headers.get("Content-Type") or "binary/octet-stream", meta)
            with st.lock:
                objs[key] = o
            return 200, b"", [("ETag", o.etag)], None
        if op == "DeleteObject":
            with st.lock:
                objs.pop(key, None)
            return 204, b"", [], None
        if op in ("GetObject", "HeadObject"):
            with st.lock:
                o = objs.get(key)
            if o is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.",
                              [("Key", key.decode("utf-8", "replace"))])
            hdrs = [("Content-Type", o.ctype), ("ETag", o.etag),
                    ("Last-Modified", http_date(o.mtime)), ("Accept-Ranges", "bytes")]
            hdrs += [(h, v) for h, v in o.meta]
            rng = parse_range(self.headers.get("Range"), len(o.data))
            if rng == "unsatisfiable":
                raise S3Error(416, "InvalidRange", "The requested range is not satisfiable",
                              [("RangeRequested", self.headers.get("Range")),
                               ("ActualObjectSize", str(len(o.data)))],
                              [("Content-Range", "bytes */%d" % len(o.data))])
            if rng is None:
                data, status = o.data, 200
            else:
                first, last = rng
                data, status = o.data[first:last + 1], 206
                hdrs.append(("Content-Range", "bytes %d-%d/%d" % (first, last, len(o.data))))
            if op == "HeadObject":
                return status, b"", hdrs, len(data)
            return status, data, hdrs, None
        raise S3Error(501, "NotImplemented",
                      "A header or query you provided implies functionality that is not "
                      "implemented (%s %s)" % (method, op))

    # --- multipart uploads -------------------------------------------------

    def upload_of(self, name, key, query):
        st = self.server.store
        uid = dict(query).get(b"uploadId", b"").decode("utf-8", "replace")
        with st.lock:
            up = st.uploads.get(uid)
        if up is None or up.bucket != name or up.key != key:
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload "
                          "ID may be invalid, or the upload may have been aborted or completed.",
                          [("UploadId", uid)])
        return uid, up

    def multipart(self, op, name, objs, key, query, body):
        st = self.server.store
        opts = self.server.opts
        if op == "CreateMultipartUpload":
            with st.lock:
                st.upload_seq += 1
                uid = "sigv4-upload-%d-%s" % (st.upload_seq, os.urandom(6).hex())
                st.uploads[uid] = Upload(name, key, time.time())
            return 200, xml_doc(b"InitiateMultipartUploadResult", [
                b"<Bucket>", xml_text(name), b"</Bucket><Key>", xml_text(key),
                b"</Key><UploadId>", uid.encode(), b"</UploadId>"]), [], None
        if op == "ListMultipartUploads":
            return 200, self.list_uploads(name, query), [], None
        uid, up = self.upload_of(name, key, query)
        if op == "UploadPart":
            try:
                n = int(dict(query).get(b"partNumber", b"0"))
            except ValueError:
                n = 0
            if not 1 <= n <= 10000:
                raise S3Error(400, "InvalidArgument", "Part number must be an integer between "
                              "1 and 10000, inclusive")
            with st.lock:
                tries = st.part_tries[n] = st.part_tries.get(n, 0) + 1
            if n == opts.fail_part_always or (n == opts.fail_part and tries == 1):
                raise S3Error(500, "InternalError", "We encountered an internal error. Please "
                              "try again. (part %d, try %d)" % (n, tries))
            etag = '"%s"' % hashlib.md5(body).hexdigest()
            with st.lock:
                up.parts[n] = (body, etag, time.time())
            return 200, b"", [("ETag", etag)], None
        if op == "AbortMultipartUpload":
            with st.lock:
                st.uploads.pop(uid, None)
            return 204, b"", [], None
        if op == "ListParts":
            return 200, self.list_parts(up, uid, query), [], None
        return self.complete_upload(uid, up, objs, body)

    def complete_upload(self, uid, up, objs, body):
        st = self.server.store
        if b"<!DOCTYPE" in body.upper():
            raise S3Error(400, "MalformedXML", "DOCTYPE refused")
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed")
        wanted = []
        for part in root:
            if part.tag.rsplit("}", 1)[-1] != "Part":
                continue
            f = {c.tag.rsplit("}", 1)[-1]: (c.text or "") for c in part}
            wanted.append((int(f.get("PartNumber", "0") or 0), f.get("ETag", "")))
        if not wanted:
            raise S3Error(400, "MalformedXML", "no Part in CompleteMultipartUpload")
        nums = [n for n, _ in wanted]
        if nums != sorted(set(nums)):
            raise S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        with st.lock:
            got = dict(up.parts)
        datas = []
        for i, (n, etag) in enumerate(wanted):
            p = got.get(n)
            if p is None or p[1].strip('"') != etag.strip('"'):
                raise S3Error(400, "InvalidPart", "One or more of the specified parts could not "
                              "be found. (part %d)" % n)
            if i < len(wanted) - 1 and len(p[0]) < MIN_PART:
                raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the "
                              "minimum allowed object size. (part %d)" % n)
            datas.append(p[0])
        if self.server.opts.complete_error:
            return 200, self.error_doc("InternalError", "We encountered an internal error. "
                                       "Please try again.", []), [], None
        o = Obj(b"".join(datas), "binary/octet-stream", [])
        md5s = b"".join(hashlib.md5(d).digest() for d in datas)
        o.etag = '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), len(datas))
        with st.lock:
            objs[up.key] = o
            st.uploads.pop(uid, None)
        return 200, xml_doc(b"CompleteMultipartUploadResult", [
            b"<Location>/", xml_text(up.bucket), b"/", xml_text(up.key), b"</Location><Bucket>",
            xml_text(up.bucket), b"</Bucket><Key>", xml_text(up.key), b"</Key><ETag>",
            xml_text(o.etag), b"</ETag>"]), [], None

    def list_uploads(self, name, query):
        st = self.server.store
        q = dict(query)
        try:
            cap = max(1, min(self.server.opts.page_cap, int(q.get(b"max-uploads", b"1000"))))
        except ValueError:
            raise S3Error(400, "InvalidArgument", "max-uploads must be an integer")
        kmark = q.get(b"key-marker")
        umark = q.get(b"upload-id-marker", b"").decode("utf-8", "replace")
        enc = q.get(b"encoding-type") == b"url"
        with st.lock:
            ups = sorted(((u.key, uid, u) for uid, u in st.uploads.items() if u.bucket == name),
                         key=lambda t: (t[0], t[2].initiated, t[1]))
        if kmark is not None:
            ups = [t for t in ups if t[0] > kmark or (t[0] == kmark and umark and t[1] > umark)]
        page, more = ups[:cap], len(ups) > cap
        keyenc = listing_encode if enc else xml_text
        out = [b"<Bucket>", xml_text(name), b"</Bucket><MaxUploads>%d</MaxUploads>" % cap,
               b"<IsTruncated>", b"true" if more else b"false", b"</IsTruncated>"]
        if enc:
            out.append(b"<EncodingType>url</EncodingType>")
        if more:
            out += [b"<NextKeyMarker>", keyenc(page[-1][0]), b"</NextKeyMarker>",
                    b"<NextUploadIdMarker>", page[-1][1].encode(), b"</NextUploadIdMarker>"]
        for k, uid, u in page:
            out += [b"<Upload><Key>", keyenc(k), b"</Key><UploadId>", uid.encode(),
                    b"</UploadId><Initiated>", iso8601(u.initiated).encode(),
                    b"</Initiated><StorageClass>STANDARD</StorageClass></Upload>"]
        return xml_doc(b"ListMultipartUploadsResult", out)

    def list_parts(self, up, uid, query):
        st = self.server.store
        q = dict(query)
        try:
            cap = max(1, min(self.server.opts.page_cap, int(q.get(b"max-parts", b"1000"))))
            mark = int(q.get(b"part-number-marker", b"0") or 0)
        except ValueError:
            raise S3Error(400, "InvalidArgument", "max-parts and part-number-marker are integers")
        with st.lock:
            parts = sorted((n, p) for n, p in up.parts.items() if n > mark)
        page, more = parts[:cap], len(parts) > cap
        out = [b"<Bucket>", xml_text(up.bucket), b"</Bucket><Key>", xml_text(up.key),
               b"</Key><UploadId>", uid.encode(), b"</UploadId><MaxParts>%d</MaxParts>" % cap,
               b"<IsTruncated>", b"true" if more else b"false", b"</IsTruncated>"]
        if more:
            out.append(b"<NextPartNumberMarker>%d</NextPartNumberMarker>" % page[-1][0])
        for n, (data, etag, mtime) in page:
            out += [b"<Part><PartNumber>%d</PartNumber><LastModified>" % n,
                    iso8601(mtime).encode(), b"</LastModified><ETag>", xml_text(etag),
                    b"</ETag><Size>%d</Size></Part>" % len(data)]
        return xml_doc(b"ListPartsResult", out)

    def list_buckets(self):
        st = self.server.store
        with st.lock:
            names = sorted(st.buckets)
            created = dict(st.created)
        parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns='
                 b'"http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>sigv4</ID>'
                 b"<DisplayName>sigv4</DisplayName></Owner><Buckets>"]
        for n in names:
            parts.append(b"<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket>"
                         % (xml_text(n), iso8601(created[n]).encode()))
        parts.append(b"</Buckets></ListAllMyBucketsResult>")
        return b"".join(parts)

    def list_objects(self, name, objs, query):
        q = {}
        for n, v in query:
            q.setdefault(n, v)
        prefix = q.get(b"prefix", b"")
        delim = q.get(b"delimiter", b"")
        enc = q.get(b"encoding-type")
        if enc is not None and enc != b"url":
            raise S3Error(400, "InvalidArgument", "Invalid Encoding Method specified in Request",
                          [("ArgumentName", "encoding-type")])
        try:
            max_keys = int(q.get(b"max-keys", b"1000"))
            if max_keys < 0:
                raise ValueError
        except ValueError:
            raise S3Error(400, "InvalidArgument", "Provided max-keys not an integer or within "
                          "integer range", [("ArgumentName", "max-keys")])
        max_keys = min(max_keys, MAX_KEYS_CAP)
        token = q.get(b"continuation-token")
        start_after = q.get(b"start-after")
        st = self.server.store
        start = start_after
        if token is not None:
            tok = token.decode("ascii", "replace")
            with st.lock:
                known = tok in st.tokens
            try:
                start = token_key(tok) if known else None
            except ValueError:
                known = False
            if not known:
                raise S3Error(400, "InvalidArgument",
                              "The continuation token provided is incorrect",
                              [("ArgumentName", "continuation-token")])
        if name in self.server.opts.endless:
            first = int(start[4:]) + 1 if start else 0
            keys = [b"row-%09d" % i for i in range(first, first + max_keys + 1)]
            snapshot = {k: self.server.endless_obj for k in keys}
        else:
            with st.lock:
                keys = sorted(objs)
                snapshot = {k: objs[k] for k in keys}
        items = []
        for k in keys:
            if not k.startswith(prefix) or (start is not None and k <= start):
                continue
            if delim:
                i = k.find(delim, len(prefix))
                if i >= 0:
                    cp = k[:i + len(delim)]
                    if items and items[-1] == ("P", cp):
                        continue
                    if start is not None and cp <= start:
                        continue
                    items.append(("P", cp))
                    if len(items) > max_keys:
                        break
                    continue
            items.append(("K", k))
            if len(items) > max_keys:
                break
        truncated = len(items) > max_keys
        page = items[:max_keys]
        e = (lambda b: listing_encode(b)) if enc == b"url" else xml_text
        out = [b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns='
               b'"http://s3.amazonaws.com/doc/2006-03-01/"><Name>', xml_text(name),
               b"</Name><Prefix>", e(prefix), b"</Prefix>"]
        if delim:
            out += [b"<Delimiter>", e(delim), b"</Delimiter>"]
        out.append(b"<MaxKeys>%d</MaxKeys><KeyCount>%d</KeyCount>" % (max_keys, len(page)))
        if enc == b"url":
            out.append(b"<EncodingType>url</EncodingType>")
        out.append(b"<IsTruncated>%s</IsTruncated>" % (b"true" if truncated else b"false"))
        if token is not None:
            out += [b"<ContinuationToken>", xml_text(token), b"</ContinuationToken>"]
        if start_after is not None:
            out += [b"<StartAfter>", e(start_after), b"</StartAfter>"]
        if truncated and page:
            nxt = make_token(page[-1][1])
            with st.lock:
                st.tokens.add(nxt)
            out += [b"<NextContinuationToken>", nxt.encode(), b"</NextContinuationToken>"]
        for kind, k in page:
            if kind == "K":
                o = snapshot[k]
                out += [b"<Contents><Key>", e(k), b"</Key><LastModified>",
                        iso8601(o.mtime).encode(), b"</LastModified><ETag>",
                        xml_text(o.etag),
                        b"</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass>"
                        b"</Contents>" % len(o.data)]
        for kind, k in page:
            if kind == "P":
                out += [b"<CommonPrefixes><Prefix>", e(k), b"</Prefix></CommonPrefixes>"]
        out.append(b"</ListBucketResult>")
        return b"".join(out)

    def delete_objects(self, objs, body):
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
            raise S3Error(400, "MalformedXML", "DOCTYPE refused")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed: %s"
                          % e)
        def local(tag):
            return tag.rsplit("}", 1)[-1]
        if local(root.tag) != "Delete":
            raise S3Error(400, "MalformedXML", "root element is <%s>, not <Delete>"
                          % local(root.tag))
        quiet = False
        keys = []
        for el in root:
            if local(el.tag) == "Quiet":
                quiet = (el.text or "").strip().lower() == "true"
            elif local(el.tag) == "Object":
                for sub in el:
                    if local(sub.tag) == "Key":
                        keys.append((sub.text or "").encode("utf-8"))
        if not keys or len(keys) > MAX_DELETE:
            raise S3Error(400, "MalformedXML", "%d keys in one DeleteObjects" % len(keys))
        st = self.server.store
        out = [b'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns='
               b'"http://s3.amazonaws.com/doc/2006-03-01/">']
        with st.lock:
            for k in keys:
                objs.pop(k, None)
                if not quiet:
                    out += [b"<Deleted><Key>", xml_text(k), b"</Key></Deleted>"]
        out.append(b"</DeleteResult>")
        return b"".join(out)


MPU_OPS = ("CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
           "AbortMultipartUpload", "ListMultipartUploads", "ListParts")


def xml_doc(root, inner):
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<' + root +
            b' xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' + b"".join(inner) +
            b"</" + root + b">")


def parse_query(raw_query):
    """[(name bytes, value bytes)] from a raw query: split on '&', split on
    the first '=', percent-decoded; '+' stays a plus."""
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        n, _, v = part.partition("=")
        pairs.append((urllib.parse.unquote_to_bytes(n), urllib.parse.unquote_to_bytes(v)))
    return pairs


def operation(method, bucket, key, query):
    names = {n for n, _ in query}
    if bucket is None:
        return "ListBuckets" if method == "GET" else "Unknown"
    if key is None:
        if method == "GET" and query and dict(query).get(b"list-type") == b"2":
            return "ListObjectsV2"
        if method == "POST" and b"delete" in names:
            return "DeleteObjects"
        if method == "GET" and b"uploads" in names:
            return "ListMultipartUploads"
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket"}.get(
            method, "Unknown" if query or method != "GET" else "ListObjectsV1")
    if b"uploadId" in names:
        return {"GET": "ListParts", "PUT": "UploadPart", "POST": "CompleteMultipartUpload",
                "DELETE": "AbortMultipartUpload"}.get(method, "Unknown")
    if method == "POST" and b"uploads" in names:
        return "CreateMultipartUpload"
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject",
            "DELETE": "DeleteObject"}.get(method, "Unknown")


def parse_range(value, size):
    """(first, last) inclusive, None for the whole object (no Range, or one
    S3 ignores), or "unsatisfiable"."""
    if not value:
        return None
    m = re.match(r"^\s*bytes=(\d*)-(\d*)\s*$", value)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):
        n = int(m.group(2))
        if n == 0:
            return "unsatisfiable"
        return (max(0, size - n), size - 1) if size else "unsatisfiable"
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else size - 1
    if first >= size or last < first:
        return "unsatisfiable"
    return first, min(last, size - 1)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that hangs up mid-body (a cancelled upload or download) is no error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def main():
    ap = argparse.ArgumentParser(description="S3 test server that verifies SigV4 itself")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log", help="one tab-separated line per request (see the docstring)")
    ap.add_argument("--access-key", default="SIGV4TESTKEY")
    ap.add_argument("--secret-key", default="sigv4/test+secret=key")
    ap.add_argument("--temp-credentials", action="append", default=[],
                    help="AK:SK:TOKEN, temporary credentials that need x-amz-security-token")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--bucket", action="append", default=[])
    ap.add_argument("--domain", default="localhost",
                    help="virtual-host style for Host BUCKET.DOMAIN")
    ap.add_argument("--max-skew-s", type=float, default=900.0)
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--object", action="append", default=[], help="BUCKET/KEY=SIZE")
    ap.add_argument("--stall-after", type=int, default=None)
    ap.add_argument("--cut-after", type=int, default=None)
    ap.add_argument("--endless", action="append", default=[])
    ap.add_argument("--upload", action="append", default=[], help="BUCKET/KEY=PARTS:SIZE")
    ap.add_argument("--fail-part", type=int, default=None)
    ap.add_argument("--fail-part-always", type=int, default=None)
    ap.add_argument("--complete-error", action="store_true")
    ap.add_argument("--page-cap", type=int, default=1000,
                    help="ListMultipartUploads and ListParts pages hold at most this many")
    a = ap.parse_args()
    a.keys = {a.access_key: (a.secret_key, None)}
    for t in a.temp_credentials:
        ak, sk, tok = t.split(":", 2)
        a.keys[ak] = (sk, tok)

    srv = Server(("127.0.0.1", a.port), Handler)
    srv.opts = a
    seeds = []
    for spec in a.object:
        where, _, size = spec.rpartition("=")
        b, _, k = where.partition("/")
        seeds.append((b, urllib.parse.unquote_to_bytes(k), int(size)))
    useeds = []
    for spec in a.upload:
        where, _, shape = spec.rpartition("=")
        b, _, k = where.partition("/")
        nparts, _, psize = shape.partition(":")
        useeds.append((b, urllib.parse.unquote_to_bytes(k), int(nparts), int(psize)))
    srv.store = Store(sorted(set(a.bucket + a.endless + [b for b, _, _ in seeds] +
                                 [b for b, _, _, _ in useeds])))
    for i, (b, k, nparts, psize) in enumerate(useeds):
        up = Upload(b, k, UPLOADS_INITIATED + 60 * i)
        for n in range(1, nparts + 1):
            data = bytes((n + j) % 251 for j in range(psize))
            up.parts[n] = (data, '"%s"' % hashlib.md5(data).hexdigest(), up.initiated)
        srv.store.uploads["sigv4-upload-%d" % (i + 1)] = up
    for b, k, size in seeds:
        srv.store.buckets[b][k] = Obj(bytes(i % 251 for i in range(size)),
                                      "binary/octet-stream", [])
    srv.endless_obj = Obj(b"x", "binary/octet-stream", [])
    srv.cut = (-1, -1) if a.cut_after is None else (a.cut_after, 1)
    srv.ranges = []
    srv.log_lock = threading.Lock()
    srv.log = open(a.log, "a", encoding="utf-8", errors="backslashreplace") if a.log else None
    port = srv.server_address[1]

    def bye(*_):
        os._exit(0)
    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)

    if a.port_file:
        tmp = "%s.tmp.%d" % (a.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    print(port, flush=True)

    if a.exit_on_stdin_eof:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
