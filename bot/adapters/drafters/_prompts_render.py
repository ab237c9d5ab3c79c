"""The prompt files (prompts/system.md, brand.md, crisis.md) rendered with Jinja2.

Rendering uses `StrictUndefined`: a template that names a variable nobody passes fails
loudly (`PromptError`) instead of sending the model a prompt with a hole in it. The
prompt version is a short hash of the template sources, stored with every draft so a
change of voice can be traced in the drafts it produced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from bot.core.models import Network

PROMPT_FILES: tuple[str, ...] = ("system.md", "brand.md", "crisis.md")
NETWORK_NAMES = {
    **{network.value: network.label for network in Network},
    "x": "X (Twitter)",
    "facebook": "Facebook (a comment under the brand's Page post)",
    "instagram": "Instagram (a comment under the brand's post)",
}


class PromptError(Exception):
    """A prompt file is missing or cannot be rendered (e.g. an undefined variable)."""


class PromptBook:
    def __init__(self, sources: Mapping[str, str]) -> None:
        missing = [name for name in PROMPT_FILES if name not in sources]
        if missing:
            raise PromptError(f"missing prompt files: {', '.join(missing)}")
        self.sources = dict(sources)
        self.env = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        digest = hashlib.sha256()
        for name in sorted(self.sources):
            digest.update(f"{name}\0{self.sources[name]}\0".encode())
        self.version = f"p{digest.hexdigest()[:10]}"

    @classmethod
    def load(cls, directory: Path) -> PromptBook:
        sources = {}
        for name in PROMPT_FILES:
            path = directory / name
            if not path.exists():
                raise PromptError(f"prompt file not found: {path}")
            sources[name] = path.read_text(encoding="utf-8")
        return cls(sources)

    def render(self, name: str, **variables: Any) -> str:
        try:
            return self.env.from_string(self.sources[name]).render(**variables)
        except jinja2.UndefinedError as exc:
            raise PromptError(f"{name}: {exc.message}") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise PromptError(f"{name} line {exc.lineno}: {exc.message}") from exc

    def system_prompt(
        self,
        *,
        brand_name: str,
        network: str,
        max_length: int,
        links: Mapping[str, str],
        language: str = "en",
        crisis: bool = False,
    ) -> str:
        """The system message: the rules, then the brand voice or, in a crisis, the crisis voice."""
        variables = {
            "brand_name": brand_name,
            "network": network,
            "network_name": NETWORK_NAMES.get(network, network),
            "max_length": max_length,
            "links": dict(links),
            "language": language if language != "und" else "en",
        }
        voice = "crisis.md" if crisis else "brand.md"
        return self.render("system.md", **variables) + "\n" + self.render(voice, **variables)

    def texts(self) -> tuple[str, ...]:
        """The instruction texts a reply must never repeat (the template sources)."""
        return tuple(self.sources[name] for name in PROMPT_FILES)
