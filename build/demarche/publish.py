"""Stage 6, publish: `mkdocs build --strict` into a staging folder, then whatever must go with it (the search
index), and only then the staged site replaces site/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


class PublishError(Exception):
    pass


def publish(root: Path, site_dir: Path | None = None, finish: Callable[[Path], object] | None = None) -> Path:
    """Build the site with MkDocs in strict mode and call `finish` on the staged site (the index stage);
    the previous site/ stays as it was if either fails."""
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
    if finish is not None:
        try:
            finish(staging)
        except Exception as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise PublishError(f"{type(error).__name__}: {error}") from error
    old = site.with_name(site.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
    return site
