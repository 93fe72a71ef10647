#!/usr/bin/env python3
"""Creates a uinput keyboard, types one key and reads it back from its
/dev/input/eventN, with nothing but the standard library (fcntl, struct).

Prints the event node and the events read; exits 0 when the press and the
release of the key came back, 1 otherwise. Run inside the kernel rig.
"""
import fcntl
import os
import select
import struct
import sys
import time

# <linux/input.h>, <linux/uinput.h>, <linux/input-event-codes.h>
EV_SYN, EV_KEY = 0x00, 0x01
SYN_REPORT = 0
KEY_A, KEY_1, KEY_ENTER = 30, 2, 28
BUS_USB = 0x03


def _ioc(direction, typ, nr, size):
    return (direction << 30) | (size << 16) | (ord(typ) << 8) | nr


_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2
UI_DEV_CREATE = _ioc(_IOC_NONE, "U", 1, 0)
UI_DEV_DESTROY = _ioc(_IOC_NONE, "U", 2, 0)
UINPUT_SETUP_FMT = "HHHH80sI"  # struct input_id, name[80], ff_effects_max
UI_DEV_SETUP = _ioc(_IOC_WRITE, "U", 3, struct.calcsize(UINPUT_SETUP_FMT))
UI_SET_EVBIT = _ioc(_IOC_WRITE, "U", 100, 4)
UI_SET_KEYBIT = _ioc(_IOC_WRITE, "U", 101, 4)


def UI_GET_SYSNAME(length):
    return _ioc(_IOC_READ, "U", 44, length)


def EVIOCGNAME(length):
    return _ioc(_IOC_READ, "E", 0x06, length)


EVIOCGRAB = _ioc(_IOC_WRITE, "E", 0x90, 4)

# struct input_event on 64-bit: struct timeval (two longs), type, code, value.
EVENT_FMT = "llHHi"
EVENT_SIZE = struct.calcsize(EVENT_FMT)

NAME = "kernel-rig keypad"
VENDOR, PRODUCT = 0xFFFF, 0x0035


def emit(fd, typ, code, value):
    os.write(fd, struct.pack(EVENT_FMT, 0, 0, typ, code, value))


def main():
    ui = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    fcntl.ioctl(ui, UI_SET_EVBIT, EV_KEY)
    for key in (KEY_A, KEY_1, KEY_ENTER):
        fcntl.ioctl(ui, UI_SET_KEYBIT, key)
    setup = struct.pack(UINPUT_SETUP_FMT, BUS_USB, VENDOR, PRODUCT, 1, NAME.encode(), 0)
    fcntl.ioctl(ui, UI_DEV_SETUP, setup)
    fcntl.ioctl(ui, UI_DEV_CREATE)
    try:
        buf = bytearray(64)
        fcntl.ioctl(ui, UI_GET_SYSNAME(len(buf)), buf)
        sysname = buf.split(b"\0", 1)[0].decode()  # inputN
        sysdir = f"/sys/devices/virtual/input/{sysname}"
        node = None
        # devtmpfs makes the node; no udev is needed, but give it a moment.
        for _ in range(100):
            events = [e for e in os.listdir(sysdir) if e.startswith("event")] if os.path.isdir(sysdir) else []
            if events and os.path.exists(f"/dev/input/{events[0]}"):
                node = f"/dev/input/{events[0]}"
                break
            time.sleep(0.05)
        if node is None:
            print(f"no event node under {sysdir}")
            return 1
        with open(f"{sysdir}/id/vendor") as f:
            vendor = f.read().strip()
        with open(f"{sysdir}/id/product") as f:
            product = f.read().strip()
        print(f"uinput device {sysname}: {node}, vendor:product {vendor}:{product}")

        ev = os.open(node, os.O_RDONLY | os.O_NONBLOCK)
        try:
            name = bytearray(256)
            fcntl.ioctl(ev, EVIOCGNAME(len(name)), name)
            name = name.split(b"\0", 1)[0].decode()
            print(f"EVIOCGNAME: {name!r}")
            if name != NAME:
                print("name mismatch")
                return 1
            # Grab it as latchd does: events go to this reader only.
            fcntl.ioctl(ev, EVIOCGRAB, 1)

            emit(ui, EV_KEY, KEY_A, 1)
            emit(ui, EV_SYN, SYN_REPORT, 0)
            emit(ui, EV_KEY, KEY_A, 0)
            emit(ui, EV_SYN, SYN_REPORT, 0)

            got = []
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and len([g for g in got if g[0] == EV_KEY]) < 2:
                r, _, _ = select.select([ev], [], [], 0.5)
                if not r:
                    continue
                data = os.read(ev, EVENT_SIZE * 16)
                for off in range(0, len(data) - EVENT_SIZE + 1, EVENT_SIZE):
                    sec, usec, typ, code, value = struct.unpack_from(EVENT_FMT, data, off)
                    print(f"event {sec}.{usec:06d} type={typ} code={code} value={value}")
                    got.append((typ, code, value))
            keys = [g for g in got if g[0] == EV_KEY]
            if keys[:2] == [(EV_KEY, KEY_A, 1), (EV_KEY, KEY_A, 0)]:
                print("KEY_A press and release read back")
                return 0
            print(f"expected KEY_A press and release, got {keys}")
            return 1
        finally:
            os.close(ev)
    finally:
        fcntl.ioctl(ui, UI_DEV_DESTROY)
        os.close(ui)


if __name__ == "__main__":
    sys.exit(main())
