#!/usr/bin/env python3
"""Requests one simulated input line through the GPIO v2 character-device
API as latchd does (input, both edges, 10 ms debounce; gpio-sim has no
hardware debounce, so gpiolib debounces in software), changes it through
sysfs and reads the edge event back. Only the standard library.

Usage: gpio_debounce_selftest.py /dev/gpiochipN OFFSET SIM_DIR
Exits 0 when the request is accepted and a stable change is reported as one
debounced rising edge, 1 otherwise.
"""
import fcntl
import os
import select
import struct
import sys
import time

# <linux/gpio.h>, v2 ABI
GPIO_V2_LINES_MAX = 64
GPIO_V2_LINE_NUM_ATTRS_MAX = 10
GPIO_V2_LINE_FLAG_INPUT = 1 << 2
GPIO_V2_LINE_FLAG_EDGE_RISING = 1 << 4
GPIO_V2_LINE_FLAG_EDGE_FALLING = 1 << 5
GPIO_V2_LINE_ATTR_ID_DEBOUNCE = 3
GPIO_V2_LINE_EVENT_RISING_EDGE = 1

# struct gpio_v2_line_attribute {u32 id; u32 padding; union {u64 ...; u32 debounce_period_us}}
# struct gpio_v2_line_config_attribute {attr; u64 mask}
ATTR_FMT = "IIQQ"
# struct gpio_v2_line_config {u64 flags; u32 num_attrs; u32 padding[5]; attrs[10]}
CONFIG_FMT = "QI5I" + ATTR_FMT * GPIO_V2_LINE_NUM_ATTRS_MAX
# struct gpio_v2_line_request {u32 offsets[64]; char consumer[32]; config;
#   u32 num_lines; u32 event_buffer_size; u32 padding[5]; s32 fd}
REQUEST_FMT = f"{GPIO_V2_LINES_MAX}I32s" + CONFIG_FMT + "II5Ii"
REQUEST_SIZE = struct.calcsize(REQUEST_FMT)
# struct gpio_v2_line_event {u64 timestamp_ns; u32 id, offset, seqno, line_seqno, padding[6]}
EVENT_FMT = "QIIII6I"
EVENT_SIZE = struct.calcsize(EVENT_FMT)

GPIO_V2_GET_LINE_IOCTL = (3 << 30) | (REQUEST_SIZE << 16) | (0xB4 << 8) | 0x07

DEBOUNCE_US = 10_000


def request(chip, offset):
    offsets = [offset] + [0] * (GPIO_V2_LINES_MAX - 1)
    attrs = [GPIO_V2_LINE_ATTR_ID_DEBOUNCE, 0, DEBOUNCE_US, 1 << 0]  # mask: line 0
    attrs += [0, 0, 0, 0] * (GPIO_V2_LINE_NUM_ATTRS_MAX - 1)
    flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING
    buf = bytearray(struct.pack(
        REQUEST_FMT, *offsets, b"rig-debounce",
        flags, 1, 0, 0, 0, 0, 0, *attrs,
        1, 0, 0, 0, 0, 0, 0, 0))
    fd = os.open(chip, os.O_RDWR)
    try:
        fcntl.ioctl(fd, GPIO_V2_GET_LINE_IOCTL, buf)
    finally:
        os.close(fd)
    assert REQUEST_SIZE == 592, REQUEST_SIZE
    return struct.unpack_from("i", buf, REQUEST_SIZE - 4)[0]


def events(fd, wait_s):
    out = []
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            data = os.read(fd, EVENT_SIZE * 16)
            for off in range(0, len(data), EVENT_SIZE):
                ts, kind, line, *_ = struct.unpack_from(EVENT_FMT, data, off)
                out.append((ts, kind, line))
    return out


def main():
    chip, offset, sim = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pull = f"{sim}/sim_gpio{offset}/pull"
    with open(pull, "w") as f:
        f.write("pull-down")
    line_fd = request(chip, offset)
    print(f"requested {chip} line {offset}: input, both edges, debounce {DEBOUNCE_US} us")
    try:
        events(line_fd, 0.2)  # drain
        t0 = time.monotonic_ns()
        with open(pull, "w") as f:
            f.write("pull-up")
        got = events(line_fd, 1.0)
        for ts, kind, line in got:
            print(f"event {'rising' if kind == GPIO_V2_LINE_EVENT_RISING_EDGE else 'falling'} "
                  f"line {line} at +{(ts - t0) / 1e6:.1f} ms")
        if [k for _, k, _ in got] != [GPIO_V2_LINE_EVENT_RISING_EDGE]:
            print(f"expected one rising edge, got {got}")
            return 1
        # A glitch shorter than the debounce period should not be reported;
        # under emulation the two writes may land further apart than that,
        # so this is information, not a verdict.
        pfd = os.open(pull, os.O_WRONLY)
        try:
            os.pwrite(pfd, b"pull-down", 0)
            os.pwrite(pfd, b"pull-up", 0)
        finally:
            os.close(pfd)
        glitch = events(line_fd, 0.5)
        print(f"a pull-down/pull-up glitch gave {len(glitch)} event(s) (0 when debounced)")
        return 0
    finally:
        os.close(line_fd)


if __name__ == "__main__":
    sys.exit(main())
