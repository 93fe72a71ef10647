#!/usr/bin/env python3
"""A uinput keyboard for the end-to-end tests, playing a keypad, a card
reader or a QR scanner: creates a keyboard named NAME (vendor:product
ffff:0035, or the optional second argument VVVV:PPPP) and types each line read from standard input (digits, letters,
`-`, upper case with shift), then Enter, until standard input closes.
Standard library only."""
import fcntl
import os
import struct
import sys
import time

EV_SYN, EV_KEY, SYN_REPORT = 0x00, 0x01, 0
KEY_ENTER, KEY_LEFTSHIFT = 28, 42
DIGITS = {str((i + 1) % 10): 2 + i for i in range(10)}  # KEY_1..KEY_0 are 2..11
LETTERS = dict(zip("qwertyuiop", range(16, 26)))
LETTERS.update(zip("asdfghjkl", range(30, 39)))
LETTERS.update(zip("zxcvbnm", range(44, 51)))
KEYS = {**DIGITS, **LETTERS, "-": 12}


def _ioc(direction, typ, nr, size):
    return (direction << 30) | (size << 16) | (ord(typ) << 8) | nr


UI_DEV_CREATE = _ioc(0, "U", 1, 0)
UI_DEV_DESTROY = _ioc(0, "U", 2, 0)
SETUP_FMT = "HHHH80sI"
UI_DEV_SETUP = _ioc(1, "U", 3, struct.calcsize(SETUP_FMT))
UI_SET_EVBIT = _ioc(1, "U", 100, 4)
UI_SET_KEYBIT = _ioc(1, "U", 101, 4)
EVENT_FMT = "llHHi"


def emit(fd, typ, code, value):
    os.write(fd, struct.pack(EVENT_FMT, 0, 0, typ, code, value))


def press(fd, code):
    for value in (1, 0):
        emit(fd, EV_KEY, code, value)
        emit(fd, EV_SYN, SYN_REPORT, 0)
        time.sleep(0.01)


def main():
    name = sys.argv[1]
    vendor, product = (int(x, 16) for x in (sys.argv[2] if len(sys.argv) > 2 else "ffff:0035").split(":"))
    ui = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    fcntl.ioctl(ui, UI_SET_EVBIT, EV_KEY)
    for code in list(KEYS.values()) + [KEY_ENTER, KEY_LEFTSHIFT]:
        fcntl.ioctl(ui, UI_SET_KEYBIT, code)
    fcntl.ioctl(ui, UI_DEV_SETUP, struct.pack(SETUP_FMT, 0x03, vendor, product, 1, name.encode(), 0))
    fcntl.ioctl(ui, UI_DEV_CREATE)
    print("keypad ready", flush=True)
    try:
        for line in sys.stdin:
            for ch in line.strip():
                if ch.isupper():
                    emit(ui, EV_KEY, KEY_LEFTSHIFT, 1)
                press(ui, KEYS[ch.lower()])
                if ch.isupper():
                    emit(ui, EV_KEY, KEY_LEFTSHIFT, 0)
            press(ui, KEY_ENTER)
            print(f"typed {len(line.strip())} keys and Enter", flush=True)
    finally:
        fcntl.ioctl(ui, UI_DEV_DESTROY)
        os.close(ui)


if __name__ == "__main__":
    main()
