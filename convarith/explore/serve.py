"""Serving the page on 127.0.0.1 for a student at home (nothing listens elsewhere)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable


def server(page: bytes, *, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 answering every GET with ``page`` (not started)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)


def serve(page: bytes, *, port: int = 0, browser: bool = True,
          announce: Callable[[str], None] = print) -> None:
    """Serve ``page`` until interrupted, opening it in the default browser."""
    httpd = server(page, port=port)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    announce(f"serving the explorer at {url} (Ctrl-C stops)")
    if browser:
        import webbrowser

        threading.Timer(0.2, webbrowser.open, (url,)).start()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
