/* lib/core/http_fail.c — a failed transfer's curl code into an mlc_err that
 * names the cause: DNS, refused, timed out (connecting or waiting), too
 * large, a header over curl's limit, a connection reset or closed mid-body,
 * TLS. Reads the easy handle's info only; never performs I/O. */
#include "lib/core/http_int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static void host_of(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *at = strpbrk(p, "@/");
	if (at && *at == '@')
		p = at + 1;
	size_t len = strcspn(p, "/?#");
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

/* The answer stopped before its end: says who closed it, how (reset or an
 * orderly close) and how much of the body had come. */
static void cut_error(struct http_req *r, CURLcode rc, const char *host, long oserr,
		      struct mlc_err *e)
{
	long status = 0;
	curl_off_t want = -1;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &want);
	size_t got = r->on_data ? r->streamed : r->body.len;
	const char *how = oserr == ECONNRESET || (r->errbuf[0] && strstr(r->errbuf, "reset"))
			      ? "reset"
			      : "closed";
	char of[64] = "";
	if (want >= 0)
		snprintf(of, sizeof of, " of %" CURL_FORMAT_CURL_OFF_T, want);
	if (status == 0 || rc == CURLE_GOT_NOTHING)
		mlc_err_set(e, MLC_ERR_PROTO, rc,
			    "%s: connection %s by the server before any answer", host, how);
	else
		mlc_err_set(e, MLC_ERR_PROTO, rc,
			    "%s: connection %s by the server after %zu%s body bytes (HTTP %ld)",
			    host, how, got, of, status);
}

void http_fill_error(struct http_req *r, CURLcode rc, struct mlc_err *e)
{
	char host[256];
	long oserr = 0;
	host_of(r->url, host, sizeof host);
	curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
	double secs = (double)(mono_ms() - r->started) / 1000.0;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		mlc_err_set(e, MLC_ERR_DNS, rc, "cannot resolve %s", host);
		break;
	case CURLE_COULDNT_CONNECT:
		mlc_err_set(e, MLC_ERR_CONNECT, rc, "connect to %s failed: %s", host,
			    oserr ? strerror((int)oserr) : "connection refused");
		break;
	case CURLE_OPERATION_TIMEDOUT: {
		long connect_us = 0;
		curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
		if (connect_us == 0)
			mlc_err_set(e, MLC_ERR_TIMEOUT, rc, "connect to %s timed out after %.1f s",
				    host, secs);
		else
			mlc_err_set(e, MLC_ERR_TIMEOUT, rc, "%s: no answer within %.1f s", host,
				    secs);
		break;
	}
	case CURLE_FILESIZE_EXCEEDED: /* Content-Length above the cap */
		mlc_err_set(e, MLC_ERR_TOO_BIG, rc, "%s: response larger than %zu bytes", host,
			    r->max_bytes);
		break;
	case CURLE_WRITE_ERROR:
		if (r->aborted) {
			mlc_err_set(e, MLC_ERR_CANCELLED, rc,
				    "%s: transfer stopped by the receiver", host);
			break;
		}
		if (r->too_big) {
			mlc_err_set(e, MLC_ERR_TOO_BIG, rc, "%s: response larger than %zu bytes",
				    host, r->max_bytes);
			break;
		}
		/* fall through */
	case CURLE_OUT_OF_MEMORY:
		/* curl 7.88 reports a response header over its 100 KB limit as
		 * out of memory (our own allocations abort instead). */
		mlc_err_set(e, MLC_ERR_PROTO, rc,
			    "%s: response header too large (over curl's 100 KB limit)", host);
		break;
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
		cut_error(r, rc, host, oserr, e);
		break;
	default:
		if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_SSL_CACERT_BADFILE)
			mlc_err_set(e, MLC_ERR_TLS, rc, "%s: TLS: %s", host,
				    r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
		else
			mlc_err_set(e, MLC_ERR_PROTO, rc, "%s: %s", host,
				    r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
	}
}
