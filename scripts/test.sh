#!/usr/bin/env bash
# Runs every test: unit tests of the domain logic, and the integration tests
# against a real private dbus-daemon and the real latchd binary. Run as root
# to include the authorization tests with real users and groups.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked "$@"
