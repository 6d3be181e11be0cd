"""moto's S3 server over HTTP, so storage goes through the real boto3 path (no mocks in-process)."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import boto3
from moto.server import ThreadedMotoServer


def start_s3_server(endpoint_url: str, bucket: str) -> ThreadedMotoServer:
    parsed = urlparse(endpoint_url)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the test output
    server = ThreadedMotoServer(ip_address=parsed.hostname, port=parsed.port, verbose=False)
    server.start()
    client = boto3.client(
        "s3", endpoint_url=endpoint_url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    client.create_bucket(Bucket=bucket)
    return server
