"""Downloads are bounded: a server that drips bytes meets an overall deadline, a body
larger than the cap is refused as it streams (never held in memory), and only a whole file
with the published MD5 appears. Every server here listens on 127.0.0.1."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from convarith.errors import ConvArithError
from convarith.train import download as fetching

FIRST = "train-images-idx3-ubyte.gz"


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "drip"
    served: list[int] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        if self.mode == "announce":
            self.send_header("Content-Length", str(3 << 30))  # 3 GiB promised
            self.end_headers()
            self.wfile.write(b"\0" * 1024)
            return
        self.end_headers()  # no length: the body ends when the connection closes
        sent = 0
        try:
            while sent < (64 << 20):
                if self.mode == "drip":
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
                    sent += 1
                else:  # a large body without a length header
                    self.wfile.write(b"\0" * (1 << 16))
                    sent += 1 << 16
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            type(self).served.append(sent)


@contextlib.contextmanager
def server(mode: str) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"mode": mode, "served": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_drip_feed_server_meets_the_overall_deadline(tmp_path):
    """A byte every 50 ms never trips the per-read timeout; the deadline stops it."""
    with server("drip") as url:
        began = time.monotonic()
        with pytest.raises(ConvArithError) as caught:
            fetching.download("mnist", tmp_path, mirrors=(url,), timeout=5, deadline=1.0)
        elapsed = time.monotonic() - began
    assert elapsed < 4
    message = str(caught.value)
    assert f"{url}{FIRST}: still downloading at the deadline" in message
    assert "\n" not in message
    assert not list(tmp_path.iterdir())  # neither the file nor a temporary


def test_body_past_the_cap_is_refused_while_it_streams(tmp_path):
    with server("flood") as url:
        with pytest.raises(ConvArithError, match=r"the body passed the 1,048,576 bytes allowed"):
            fetching.download("mnist", tmp_path, mirrors=(url,), max_bytes=1 << 20)
    assert not list(tmp_path.iterdir())


def test_announced_length_past_the_cap_is_refused_before_the_body(tmp_path):
    with server("announce") as url:
        with pytest.raises(ConvArithError, match=r"announces 3,221,225,472 bytes, more than the "
                                                 r"268,435,456 allowed"):
            fetching.download("mnist", tmp_path, mirrors=(url,))
    assert not list(tmp_path.iterdir())


def test_md5_is_computed_as_the_file_streams(tmp_path):
    """The file that appears is the body, and its MD5 was checked on the way."""
    body = bytes(range(256)) * 4000

    class Response:
        def __init__(self) -> None:
            self.position, self.reads = 0, 0

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def read1(self, size: int) -> bytes:
            self.reads += 1
            chunk = body[self.position:self.position + min(size, 1000)]
            self.position += len(chunk)
            return chunk

    responses: list[Response] = []

    def opener(url: str, timeout: float | None = None) -> Response:
        responses.append(Response())
        return responses[-1]

    source = fetching.Source(mirrors=("http://127.0.0.1:9/",),
                             files={"blob.gz": hashlib.md5(body).hexdigest()})
    fetching.SOURCES["test-blob"] = source
    try:
        assert fetching.download("test-blob", tmp_path, opener=opener) == [tmp_path / "blob.gz"]
    finally:
        del fetching.SOURCES["test-blob"]
    assert (tmp_path / "blob.gz").read_bytes() == body
    assert responses[0].reads > 100  # streamed in pieces, not read whole
