"""Stage 6, publish: `mkdocs build --strict` into site/, replacing it only when the build succeeds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


class PublishError(Exception):
    pass


def publish(root: Path, site_dir: Path | None = None) -> Path:
    """Build the site with MkDocs in strict mode; the previous site/ stays as it was on failure."""
    site = site_dir or root / "site"
    staging = site.with_name(site.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(staging)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError((result.stderr or result.stdout).strip())
    old = site.with_name(site.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
    return site
