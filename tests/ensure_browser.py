"""Make sure Debian's Chromium is there for the browser tests, installing it when we can.

Without it (and without root to install it) only the browser tests are skipped; in CI
(CI=true) a missing browser is an error.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's chromium for the browser tests…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        result = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env)
        if result.returncode == 0 and os.path.exists(CHROMIUM):
            return 0
    message = "Chromium is missing: install it with `sudo apt-get install -y chromium` to run the browser tests."
    if os.environ.get("CI"):
        print(message, file=sys.stderr)
        return 1
    print(message + " (browser tests will be skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
