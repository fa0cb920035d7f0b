"""A TCP proxy on loopback that can be cut or made to hang: a real outage of the service behind.

Used by tests/test_faults.py and scripts/measure_faults.py to put PostgreSQL or Redis out of
reach of the site without touching the shared servers themselves:

    proxy = TcpProxy(6379).start()   # the site is given 127.0.0.1:proxy.port instead
    proxy.cut()       # open connections are reset and new ones refused, as if the server died
    proxy.hang()      # connections are accepted and held, but nothing passes: a hung server
    proxy.restore()   # traffic flows again on the same port
    proxy.stop()

Also a context manager (start, then stop on leaving).
"""

import contextlib
import socket
import threading

HOST = "127.0.0.1"
CHUNK = 65536


class TcpProxy:
    def __init__(self, upstream_port, upstream_host=HOST):
        self.upstream = (upstream_host, upstream_port)
        self.port = None
        self.listener = None
        self.state = "up"
        self.flowing = threading.Event()  # cleared while hung
        self.flowing.set()
        self.lock = threading.Lock()
        self.sockets = set()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self._listen(0)
        return self

    def _listen(self, port):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed (cut or stop)
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        self._track(client)
        self.flowing.wait()  # a hung proxy holds a new connection here
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
        except OSError:
            self._close(client)
            return
        self._track(upstream)
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target):
        try:
            while data := source.recv(CHUNK):
                self.flowing.wait()  # a hung proxy holds the data here
                target.sendall(data)
        except OSError:
            pass
        self._close(source)
        self._close(target)

    def _track(self, sock):
        with self.lock:
            self.sockets.add(sock)
        if self.state == "down":
            self._close(sock)

    def _close(self, sock):
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _close_all(self):
        with self.lock:
            sockets = list(self.sockets)
        for sock in sockets:
            self._close(sock)

    def cut(self):
        """Refuse new connections and reset the open ones."""
        self.state = "down"
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self.flowing.set()  # let held threads run into their closed sockets
        self._close_all()

    def hang(self):
        """Accept connections but pass nothing either way (open ones stall too)."""
        if self.listener is None:
            self._listen(self.port)
        self.state = "hung"
        self.flowing.clear()

    def restore(self):
        """Let traffic flow again. Connections held while hung are dropped (their clients have
        given up on them), so every client starts afresh."""
        if self.state == "hung":
            self._close_all()
        self.state = "up"
        if self.listener is None:
            self._listen(self.port)
        self.flowing.set()

    def stop(self):
        self.cut()
