#!/usr/bin/env bash
# tests/bench/s3bench_curl.sh ENDPOINT BUCKET — the S3 benchmark's curl
# peer: a shell loop running curl (its own SigV4) once a page of 1000 keys,
# counting <Key> with grep and taking NextContinuationToken with sed, as an
# operator would script it; prints the count. Credentials from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION. The query is put
# in canonical order (curl 7.88 signs it as given); a token is encoded for
# the characters of base64 (+ / =), which is what s3rver and MinIO send.
set -u
url=$1
bucket=$2
page=$(mktemp)
trap 'rm -f "$page"' EXIT
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
n=0
tok=
while :; do
	q="list-type=2&max-keys=1000"
	if [ -n "$tok" ]; then
		e=${tok//+/%2B}
		e=${e//\//%2F}
		e=${e//=/%3D}
		q="continuation-token=$e&$q"
	fi
	curl -sf -o "$page" --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" \
		-u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: $empty" \
		"$url/$bucket?$q" || exit 1
	n=$((n + $(grep -o '<Key>' "$page" | wc -l)))
	tok=$(sed -n 's:.*<NextContinuationToken>\([^<]*\)</NextContinuationToken>.*:\1:p' "$page")
	[ -n "$tok" ] || break
done
echo "$n"
