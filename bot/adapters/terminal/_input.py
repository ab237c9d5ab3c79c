"""Real input for the terminal review: one key without Enter, and $EDITOR for a reply."""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.core.models import Case

SCISSORS = "# ------------------------ >8 ------------------------"


class EditorFailed(Exception):
    """The external editor could not be started or exited with an error."""


def read_single_key(prompt: str) -> str:
    """Print the prompt and read one key without Enter (a whole line when not a terminal).

    The terminal goes into cbreak mode *before* the prompt appears and without flushing
    input, so a key pressed the moment the prompt shows (or typed ahead) is not lost.
    """
    try:
        import termios
        import tty
    except ImportError:  # not a POSIX system
        return input(prompt)
    fd = sys.stdin.fileno()
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        return input(prompt)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        sys.stdout.write(prompt)
        sys.stdout.flush()
        key = sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    sys.stdout.write(key.strip() + "\n")
    if not key:
        raise EOFError
    return key


def editor_edit(command: str) -> Callable[[str, Case], str | None]:
    """Edit the reply in an external editor (`$VISUAL`/`$EDITOR`), git-commit style."""

    def edit(text: str, case: Case) -> str | None:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".txt", prefix="careops-reply-", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(f"{text}\n{SCISSORS}\n")
            handle.write("# Write the reply above this line; everything below is ignored.\n")
            handle.write(f"# Replying to @{case.mention.author_handle}:\n")
            for line in case.mention.text.splitlines():
                handle.write(f"#   {line}\n")
            path = Path(handle.name)
        try:
            done = subprocess.run([*shlex.split(command), str(path)], check=False)
            if done.returncode != 0:
                raise EditorFailed(f"the editor {command!r} exited with {done.returncode}")
            return path.read_text(encoding="utf-8").split(SCISSORS, 1)[0].strip()
        except (OSError, ValueError) as exc:
            raise EditorFailed(f"the editor {command!r} could not run ({exc})") from None
        finally:
            path.unlink(missing_ok=True)

    return edit
