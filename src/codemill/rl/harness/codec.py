"""Values across the process boundary between the tests and the code under test, as length-prefixed JSON.

Only plain data crosses: None, bool, int, float, str, bytes, list, tuple, set, frozenset, dict. Any other object
stays in the process that made it and crosses as a handle (`{"$h": id}`), so neither side ever unpickles or
imports what the other sent. Stdlib only: this file is copied into the sandbox's work directory.
"""

import base64
import json
import struct

MAX_MESSAGE = 16 * 1024 * 1024
_HEADER = struct.Struct(">I")


class CodecError(ValueError):
    pass


def encode(value, handle):
    """`value` as JSON-ready data; `handle(obj)` gives the tag of anything that is not plain data."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and type(value) is int:
        return value
    if isinstance(value, float) and type(value) is float:
        return value
    if type(value) is bytes:
        return {"$b": base64.b64encode(value).decode()}
    for kind, tag in ((list, "$l"), (tuple, "$t"), (set, "$s"), (frozenset, "$f")):
        if type(value) is kind:
            return {tag: [encode(v, handle) for v in value]}
    if type(value) is dict:
        return {"$d": [[encode(k, handle), encode(v, handle)] for k, v in value.items()]}
    return handle(value)


def decode(data, resolve):
    """The value `encode` made; `resolve(tag)` turns a handle tag back into an object."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict):
        raise CodecError(f"not a value: {str(data)[:80]}")
    if "$b" in data:
        return base64.b64decode(data["$b"])
    if "$l" in data:
        return [decode(v, resolve) for v in data["$l"]]
    if "$t" in data:
        return tuple(decode(v, resolve) for v in data["$t"])
    if "$s" in data:
        return {decode(v, resolve) for v in data["$s"]}
    if "$f" in data:
        return frozenset(decode(v, resolve) for v in data["$f"])
    if "$d" in data:
        return {decode(k, resolve): decode(v, resolve) for k, v in data["$d"]}
    if "$h" in data or "$r" in data:
        return resolve(data)
    raise CodecError(f"unknown tag in {str(data)[:80]}")


def send(fd, message):
    import os

    blob = json.dumps(message, allow_nan=True).encode()
    if len(blob) > MAX_MESSAGE:
        raise CodecError(f"message of {len(blob)} bytes")
    data = _HEADER.pack(len(blob)) + blob
    while data:
        data = data[os.write(fd, data):]


def receive(fd):
    import os

    def exactly(n):
        chunks = []
        while n:
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    (size,) = _HEADER.unpack(exactly(_HEADER.size))
    if size > MAX_MESSAGE:
        raise CodecError(f"message of {size} bytes")
    return json.loads(exactly(size))
