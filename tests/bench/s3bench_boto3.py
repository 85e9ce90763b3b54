#!/usr/bin/env python3
"""The S3 benchmark's boto3 peer: every key of a bucket, a ListObjectsV2
loop of pages of 1000 following NextContinuationToken, as a script would
write it; prints the count.  Credentials and region from the environment
(AWS_ACCESS_KEY_ID, ...), path-style addressing.

  s3bench_boto3.py ENDPOINT BUCKET
"""

import sys

import boto3
from botocore.config import Config


def main():
    endpoint, bucket = sys.argv[1:3]
    s3 = boto3.client("s3", endpoint_url=endpoint,
                      config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    n = 0
    kw = {"Bucket": bucket, "MaxKeys": 1000}
    while True:
        r = s3.list_objects_v2(**kw)
        n += len(r.get("Contents", []))
        token = r.get("NextContinuationToken")
        if not token:
            break
        kw["ContinuationToken"] = token
    print(n)


if __name__ == "__main__":
    main()
