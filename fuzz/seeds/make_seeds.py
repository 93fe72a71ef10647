#!/usr/bin/env python3
"""Writes the hand-picked seed inputs of every fuzz target into
fuzz/corpus/<target>/, named by content. Valid and near-valid inputs taken
from the unit tests, the README and the example configurations."""
import hashlib, json, os, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "corpus")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def body(kind, number, lock="first", name="Alice", owner="owner", valid=None):
    b = {"identifier_owner": {"name": name, "type": owner},
         "identifier_type": kind, "identifier_number": number, "lock": lock}
    if valid is not None:
        b["valid"] = valid
    return b


LIMITED = {"time": {"is_permanent": False, "from": 1767225600, "to": 1798761600},
           "passes": {"is_permanent": False, "max_passes": 10}}
FACE = "AACAPwAAAEA="  # two f32 values, 1.0 and 2.0
BODIES = [
    body("card", "12:34:56:79", valid=LIMITED),
    body("card", "305419897"),
    body("card", "ff:ff:ff:ff:ff"),
    body("ukey", "12-34-56-79", lock="all", owner="guest"),
    body("inputCode", "4711", lock="second"),
    body("inputCode", "1234"),
    body("card", "305419896"),
    body("qr", "123e4567-e89b-12d3-a456-426614174000"),
    body("license_plate", "AB 123-CD", lock="second", name="Van", owner="guest"),
    body("license_plate", "Ж 123 КХ"),
    body("face_id", FACE),
    body("face_id", "AAAA"),
    body("card", "7", valid={"time": {"is_permanent": False, "from": 20, "to": 10},
                             "passes": {"is_permanent": True}}),
    body("card", "7", valid={"time": {"is_permanent": True},
                             "passes": {"is_permanent": False, "max_passes": 0}}),
    body("card", "12:3"),
    {"identifier_owner": {"name": "Eve"}, "identifier_type": "card",
     "identifier_number": "1", "lock": "first"},
    {"identifier_owner": {"name": "Eve", "type": "owner"}, "identifier_type": "card",
     "identifier_number": 7, "lock": "first"},
]


def identifier_body():
    for b in BODIES:
        put("identifier_body", json.dumps(b, ensure_ascii=False))
    put("identifier_body", "not json")
    put("identifier_body", "{}")
    put("identifier_body", '{"identifier_owner":null,"valid":[]}')


def registry_ops():
    j = lambda v: json.dumps(v, ensure_ascii=False)
    a, b, c = BODIES[0], BODIES[4], BODIES[7]
    put("registry_ops", "\n".join([
        "create " + j(a), "create " + j(b), "update 1 " + j(body("card", "12-34-56-79", lock="second")),
        "reset 1", "delete 2", "undo", "undo", "create " + j(c)]))
    put("registry_ops", "\n".join([
        "import " + j({"list_items": [a, c, BODIES[8]]}),
        'delete_many {"uid_items":[1,3]}', "undo",
        'delete_many {"uid_items":[2,9]}', "create " + j(BODIES[1])]))
    put("registry_ops", "\n".join([
        "load 7 " + j(a), "next 20", "create " + j(b), "import " + j({"list_items": [b]}),
        "update 7 " + j(b), "update 7 " + j(body("card", "1")), "delete 99"]))
    put("registry_ops", "\n".join([
        "create " + j(body("card", "9", valid={"time": {"is_permanent": True},
                                               "passes": {"is_permanent": False, "max_passes": 3}})),
        "update 1 " + j(body("card", "9", valid={"time": {"is_permanent": True},
                                                 "passes": {"is_permanent": False, "max_passes": 1}})),
        "reset 1", "undo", "create " + j(BODIES[10])]))


def list_query():
    for q in ["", "{}", '{"limit":2,"page_number":2,"sort_type":"desc"}',
              '{"filter_field":"identifier_number","filter_type":"equal","filter_format":"string","filter_value":"305419897"}',
              '{"sort_field":"identifier_number","limit":5}',
              '{"sort_field":"lock","sort_type":"asc","filter_field":"lock","filter_value":"all"}',
              '{"filter_field":"identifier_type","filter_value":"card","page_number":3,"limit":1}',
              '{"filter_field":"identifier_uid","filter_value":"2"}',
              '{"limit":5000}', '{"limit":0}', '{"page_number":4294967295,"limit":1000}',
              '{"filter_field":"identifier_number"}', "[]"]:
        put("list_query", q)


def events_query():
    for q in ["", "{}", '{"limit":1}', '{"limit":5,"page_number":2}', '{"limit":1000}',
              '{"limit":0}', '{"limit":null,"page_number":null}',
              '{"page_number":4294967295}', '{"limit":"5"}', "  ", "[1]"]:
        put("events_query", q)


def config_file():
    for name in ["latchd.toml", "latchd-system.toml"]:
        with open(os.path.join(ROOT, "..", "examples", name), "rb") as f:
            put("config_file", f.read())
    for t in [
        '[storage]\ndir = "/tmp/x"\n[panel]\nmaster_code = "1234"\nmaster_card = "12:34:56:78"\n[[lock]]\nname = "first"\nopen_time_ms = 3000\n',
        '[[input]]\nkind = "keypad"\nname = "k"\nsubmit = ["enter"]\nclear = ["*", "escape"]\nmax_failures = 3\nlockout_s = 300\n',
        '[[input]]\nkind = "card_reader"\nvendor_product = "ffff:0035"\nformat = "hex"\nbyte_order = "lsb_first"\nbits = 32\nidentifier_type = "ukey"\n',
        '[[input]]\nkind = "qr_scanner"\nvendor_product = "ffff:0035"\n',
        '[panel]\n\nmaster_code = "12a4"\n',
        '[[lock]]\nname = "first"\nchip = "gpiochip0"\noffset = 4\nopen_time_ms = 40001\n',
        '[enrolment]\nlock = "front"\n',
        '[events]\nkeep = 0\n[clock]\nrequire_sync = false\n',
        '[storage]\ndir = "data"\n[auth]\nadmin_groups = ["wheel"]\n',
        '',
    ]:
        put("config_file", t)


US = {c: (code, False) for code, c in enumerate("1234567890-=", start=2)}
US.update({c: (code, False) for code, c in zip(range(16, 26), "qwertyuiop")})
US.update({c: (code, False) for code, c in zip(range(30, 39), "asdfghjkl")})
US.update({c: (code, False) for code, c in zip(range(44, 51), "zxcvbnm")})
US.update({",": (51, False), ":": (39, True), "#": (4, True), "*": (9, True)})
for ch in "qwertyuiopasdfghjklzxcvbnm":
    US[ch.upper()] = (US[ch][0], True)


def keys(text):
    out = b""
    for ch in text:
        if ch == "\n":
            out += struct.pack("<HBB", 28, 2, 3) + struct.pack("<HBB", 28, 1, 1)
            continue
        code, shift = US[ch]
        if shift:
            out += struct.pack("<HBB", 42, 2, 1)
        out += struct.pack("<HBB", code, 2, 5) + struct.pack("<HBB", code, 1, 1)
        if shift:
            out += struct.pack("<HBB", 42, 1, 1)
    return out


def keypad_header(timeout_ms=5000, lockout_s=300, window_s=60, max_length=10, max_failures=3):
    return struct.pack("<QQQBB", timeout_ms, lockout_s, window_s, max_length, max_failures)


def card_and_keys():
    put("card_and_keys", keypad_header() + keys("12345678\n0040856634\n111,27706\n"))
    put("card_and_keys", keypad_header() + keys("1A026F6C3A\n3a:6c:6f:02\n"))
    put("card_and_keys", keypad_header(max_failures=2) + keys("4711#99*1#2#3#10#"))
    put("card_and_keys", keypad_header(timeout_ms=100, max_length=4) + keys("12345#1234#"))
    put("card_and_keys", keypad_header() + keys("123E4567-e89b-12D3-a456-426614174000\n"))


SNAPSHOT = """# latchd identifier snapshot
format = 1
last_seq = 2
next_uid = 4

[[identifier]]
uid = 1
owner_name = "Alice"
owner_type = "owner"
type = "card"
number = "12:34:56:79"
lock = "first"
passes_left = 10
time_profiles = []
apartment = -1

[identifier.time]
is_permanent = false
from = 1767225600
to = 1798761600

[identifier.passes]
is_permanent = false
max_passes = 10

[[identifier]]
uid = 3
owner_name = "Bob"
owner_type = "guest"
type = "inputCode"
number = "4711"
lock = "all"
passes_left = -1

[identifier.time]
is_permanent = true

[identifier.passes]
is_permanent = true
"""

REC = ('{ uid = %d, owner_name = "%s", owner_type = "owner", type = "%s", number = "%s", lock = "first", '
       'time = { is_permanent = true }, passes = { is_permanent = true }, passes_left = -1, '
       'time_profiles = [], apartment = -1 }')


def journal(first, lines):
    out = ""
    for n, (put_, remove, next_uid) in enumerate(lines):
        content = "put = [%s], remove = [%s], next_uid = %d }" % (
            ", ".join(put_), ", ".join(str(r) for r in remove), next_uid)
        out += "%d = { crc = 0, %s\n" % (first + n, content)
    return out


def data_files():
    SEAL, SUMS, NONE, DISK = 1, 2, 4, 8
    j1 = journal(3, [([REC % (4, "Carol", "qr", "123e4567-e89b-12d3-a456-426614174000")], [], 5),
                     ([], [1], 5)])
    j2 = journal(5, [([REC % (3, "Bob", "inputCode", "4712")], [], 5)])
    put("data_files", bytes([SEAL | SUMS]) + SNAPSHOT.encode() + b"\0" + j1.encode() + b"\0" + j2.encode())
    put("data_files", bytes([SEAL | SUMS | DISK]) + SNAPSHOT.encode() + b"\0" + j1.encode() + b"\0" + j2.encode()[:40])
    put("data_files", bytes([SUMS | NONE | DISK]) + b"\0" + journal(1, [([REC % (1, "A", "card", "7")], [], 2)]).encode())
    put("data_files", bytes([SEAL | SUMS | 16]) + SNAPSHOT.encode() + b"\0" + journal(3, [([REC % (5, "Dan", "card", "00:07")], [], 6)]).encode())
    put("data_files", bytes([0]) + SNAPSHOT.encode())
    put("data_files", bytes([SEAL]) + SNAPSHOT.replace("format = 1", "format = 2").encode())
    put("data_files", bytes([SEAL | SUMS]) + SNAPSHOT.encode() + b"\0" + journal(9, [([], [3], 4)]).encode())


def event_log():
    ev = lambda d: 'event = %s\n' % json.dumps(json.dumps(d))
    a = ev({"time": 1795872922, "source": "dbus:uid=0", "identifier_type": "card",
            "identifier_number": "*****9897", "identifier_uid": 1, "granted": True,
            "reason": "granted", "locks": ["first"]})
    b = ev({"time": 1795872923, "source": "keypad", "identifier_type": "inputCode",
            "granted": False, "reason": "unknown", "locks": []})
    put("event_log", a + b)
    put("event_log", a + "bogus line\n" + b + 'event = "{\\"n\\":2')
    put("event_log", a * 5 + b)
    put("event_log", 'event = "a\\"b\\u0001\\n"\r\nevent = 7\n# comment\n')


if __name__ == "__main__":
    for f in [identifier_body, registry_ops, list_query, events_query, config_file,
              card_and_keys, data_files, event_log]:
        f()
