"""Inside the sandbox: relay TCP connections on the sandbox's own loopback to the proxy's Unix socket, then run
the command and exit with its status. Stdlib only: this file is copied next to the socket and bound read-only.

    python -I forward.py PORT SOCKET -- COMMAND...
"""

import contextlib
import socket
import subprocess
import sys
import threading


def _pipe(src, dst):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def relay(a, b):
    """Copy both ways until either side closes (one direction in a thread of its own); the proxy outside uses
    it too."""
    other = threading.Thread(target=_pipe, args=(a, b), daemon=True)
    other.start()
    _pipe(b, a)
    other.join()


def _serve(server, path):
    while True:
        client, _ = server.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            continue
        threading.Thread(target=relay, args=(client, upstream), daemon=True).start()


def main():
    port, path, sep, *argv = sys.argv[1:]
    if sep != "--" or not argv:
        raise SystemExit("usage: forward.py PORT SOCKET -- COMMAND...")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(port)))
    server.listen(64)
    threading.Thread(target=_serve, args=(server, path), daemon=True).start()
    status = subprocess.run(argv, check=False).returncode
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
