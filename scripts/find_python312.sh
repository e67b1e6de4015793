#!/usr/bin/env bash
# Print the path of a working Python 3.12 interpreter (pyenv shims may exist
# without a selected version, so each candidate is actually run).
set -u
for candidate in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
        command -v "$candidate" 2>/dev/null || echo "$candidate"
        exit 0
    fi
done
echo "No Python 3.12 found: install it (e.g. pyenv install 3.12) and retry." >&2
exit 1
