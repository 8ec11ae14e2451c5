"""The command line: `demarche check | generate | build | serve | new`. Thin glue over pipeline."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import jinja2

from demarche.pipeline import Project, build_site, check, generate, os_error_message
from demarche.plan import PathClash
from demarche.problems import ContentError, format_problems, has_errors
from demarche.publish import PublishError
from demarche.scaffold import add_new_command, new_record
from demarche.write import WriteError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demarche", description="Build the Demarche statement archive.")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project folder (default: the current one)")
    sub = parser.add_subparsers(dest="command", required=True)
    check_p = sub.add_parser("check", help="validate sources/ and report every problem")
    check_p.add_argument("--format", choices=("text", "json", "github"), default="text")
    sub.add_parser("generate", help="check, then write the generated pages into docs/")
    sub.add_parser("build", help="check, generate, then mkdocs build --strict into site/")
    serve_p = sub.add_parser("serve", help="preview at http://127.0.0.1:8000, regenerating on changes")
    serve_p.add_argument("--dev-addr", default="127.0.0.1:8000")
    urls_p = sub.add_parser("urls", help="compare urls.txt with the URLs the archive serves")
    urls_p.add_argument("--update", action="store_true", help="add the URLs served but not yet in urls.txt")
    add_new_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; when the reader of its output goes away (`demarche check | head -1`), end quietly with status 1."""
    try:
        status = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The recipe of Python's documentation (signal module, "Note on SIGPIPE"): nothing more can be
        # said, and the interpreter's own flush at exit must not fail again on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
        return 1
    except KeyboardInterrupt:  # Ctrl-C, while waiting for another build or during one: the journal makes stopping safe
        print("demarche: interrupted", file=sys.stderr)
        return 130
    return status


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    project = Project(args.root.resolve())
    if not project.sources.is_dir():
        print(f"demarche: no sources/ folder in {project.root}", file=sys.stderr)
        return 2
    if args.command == "new":
        return new_record(project.root, args)
    try:
        if args.command == "check":
            _, problems = check(project)
            print(format_problems(problems, args.format))
            return 1 if has_errors(problems) else 0
        if args.command == "generate":
            report = generate(project)
            print(f"generated: {len(report.written)} written, {report.unchanged} unchanged, {len(report.removed)} removed")
        elif args.command == "build":
            report, published = build_site(project, background=True)
            print(f"generated: {len(report.written)} written, {report.unchanged} unchanged, {len(report.removed)} removed")
            if published:
                how = (
                    f"only what changed: {len(published.rendered)} of {published.pages} pages rendered"
                    if published.dirty
                    else "in full"
                )
                print(f"site built in {project.root / 'site'} ({how})")
            else:
                print(f"site in {project.root / 'site'} is up to date: nothing MkDocs reads has changed")
        elif args.command == "serve":
            from demarche.serve import serve

            return serve(project, args.dev_addr)
        elif args.command == "urls":
            from demarche.ledger import urls_command

            return urls_command(project, args.update)
    except ContentError as exc:
        print(format_problems(exc.problems, "text"), file=sys.stderr)
        print("nothing was written: the previous pages and site are as they were", file=sys.stderr)
        return 1
    except PathClash as exc:
        print(f"demarche: {exc}", file=sys.stderr)
        print("nothing was written: the previous pages and site are as they were", file=sys.stderr)
        return 1
    except (WriteError, PublishError) as exc:
        print(f"demarche: {exc}", file=sys.stderr)
        print("the previous site is as it was", file=sys.stderr)
        return 1
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        print(f"demarche: template error: {where}{exc}", file=sys.stderr)
        print("nothing was written: the previous pages and site are as they were", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only folder...: the next build finishes or undoes this one
        if isinstance(exc, BrokenPipeError):
            raise
        print(os_error_message(exc, project.root), file=sys.stderr)
        return 1
    return 0
