"""What a file route's answer means, whatever the storage: local files are streamed (200); on S3 the
route answers a redirect to a short-lived signed URL, which is the file being served too."""

from __future__ import annotations


def served_status(response) -> int:
    """The response's status, with a redirect to a signed storage URL counted as 200 (served)."""
    location = response.get("Location", "") if response.status_code == 302 else ""
    if "Signature=" in location or "X-Amz-Signature=" in location:
        return 200
    return response.status_code


def served_bytes(response) -> tuple[bytes, str]:
    """The bytes a file route served and their content type: streamed here, or fetched from the signed
    storage URL it redirected to."""
    if served_status(response) == 200 and response.status_code == 302:
        import httpx

        fetched = httpx.get(response["Location"])
        fetched.raise_for_status()
        return fetched.content, fetched.headers.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body, response["Content-Type"]
