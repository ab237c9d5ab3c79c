"""The Drafter port on OpenAI Chat Completions (or any OpenAI-compatible server).

The model answers in a JSON schema (reply, topic, link key, a self-check per rule). This
module only translates: a request becomes messages, a completion becomes a `Draft`,
and every way the model can fail to give one (refusal, truncation, timeout, 429, 5xx,
output that is not the schema) becomes `DrafterUnavailable` with the reason the card
shows. Checking the text and falling back is the core's job (bot/core/drafting.py).

Retries with exponential backoff (honouring `Retry-After`) are the SDK's: the client
is built with `max_retries` and `timeout` from the settings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)
from openai.types.shared_params.response_format_json_schema import (
    JSONSchema,
    ResponseFormatJSONSchema,
)

from bot.adapters.drafters._prompts_render import PromptBook
from bot.core.drafting import DrafterUnavailable
from bot.core.guardrails import fence
from bot.core.models import Draft
from bot.core.ports import Clock, Drafter, DraftRequest, UsageRepo
from bot.core.rules import RULES, LinkBook

if TYPE_CHECKING:
    from bot.config import Settings

SELF_CHECK_RULES: tuple[str, ...] = RULES
NO_LINK = "none"

# USD per million tokens (input, output). Unknown models cost 0 and say so in usage.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1": (2.00, 8.00),
}


def reply_schema(link_keys: list[str]) -> dict[str, Any]:
    """The structured-output schema; `link_key` can only be a key of links.yaml or "none"."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["reply", "topic", "link_key", "self_check"],
        "properties": {
            "reply": {"type": "string"},
            "topic": {"type": "string"},
            "link_key": {"type": "string", "enum": [*link_keys, NO_LINK]},
            "self_check": {
                "type": "object",
                "additionalProperties": False,
                "required": list(SELF_CHECK_RULES),
                "properties": {rule: {"type": "boolean"} for rule in SELF_CHECK_RULES},
            },
        },
    }


@dataclass(frozen=True)
class ModelReply:
    reply: str
    topic: str
    link_key: str
    self_check: dict[str, bool]


def parse_reply(content: str | None) -> ModelReply:
    """The model's JSON as a ModelReply; DrafterUnavailable("bad output") when it is not."""
    try:
        data = json.loads(content or "")
        checks = data.get("self_check") or {}
        return ModelReply(
            reply=str(data["reply"]).strip(),
            topic=str(data.get("topic") or "general"),
            link_key=str(data.get("link_key") or NO_LINK),
            self_check={str(k): bool(v) for k, v in checks.items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DrafterUnavailable("bad output", type(exc).__name__) from exc


class OpenAIDrafter:
    def __init__(
        self,
        client: openai.OpenAI,
        *,
        model: str,
        prompts: PromptBook,
        links: LinkBook,
        clock: Clock,
        brand_name: str,
        examples: Callable[[str, int], list[str]] | None = None,
        on_usage: Callable[[float], None] = lambda cost: None,
        max_tokens: int = 400,
        temperature: float = 0.4,
    ) -> None:
        self.client = client
        self.model = model
        self.prompts = prompts
        self.links = links
        self.clock = clock
        self.brand_name = brand_name
        self.examples = examples
        self.on_usage = on_usage
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.label = f"openai:{model}"
        # Read by DraftingService: a reply must never repeat these.
        self.prompt_texts = prompts.texts()

    def draft(self, request: DraftRequest) -> Draft:
        started = time.monotonic()
        completion = self._complete(self.messages(request))
        choice = completion.choices[0]
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            raise DrafterUnavailable("openai refused", str(refusal)[:200])
        if choice.finish_reason == "length":
            raise DrafterUnavailable("finish_reason length")
        answer = parse_reply(choice.message.content)
        usage = self._usage(completion, time.monotonic() - started, answer)
        self.on_usage(usage.get("cost_usd", 0.0))
        topic = answer.topic if answer.topic in self.links.topics else request.triage.topic
        return Draft(
            id=request.draft_id,
            case_id=request.case_id,
            text=with_link(answer, self.links),
            drafter=self.label,
            created_at=self.clock.now(),
            topic=topic,
            prompt_version=self.prompts.version,
            usage=usage,
        )

    def messages(self, request: DraftRequest) -> list[ChatCompletionMessageParam]:
        system = self.prompts.system_prompt(
            brand_name=self.brand_name,
            network=request.mention.network.value,
            max_length=request.max_length,
            links=self.links.topics,
            language=request.triage.language,
            crisis=request.crisis,
        )
        return [
            ChatCompletionSystemMessageParam(role="system", content=system),
            ChatCompletionUserMessageParam(role="user", content=self.user_message(request)),
        ]

    def user_message(self, request: DraftRequest) -> str:
        """Facts about the post, then the customer's words fenced as data, last."""
        m, t = request.mention, request.triage
        examples = request.examples or tuple(self._examples(m.text))
        parts = [
            f"Network: {m.network.value}; the reply may have at most {request.max_length} "
            "characters.",
            f"Customer: @{m.author_handle}" + (f" ({m.author_name})" if m.author_name else ""),
            f"Triage: intent {t.intent.value}, sentiment {t.sentiment:+.2f}, topic {t.topic}, "
            f"language {t.language}." + (f" Tags: {', '.join(t.tags)}." if t.tags else ""),
        ]
        if examples:
            parts.append("Approved replies to similar posts (for tone; do not copy):")
            parts += [f"- {e}" for e in examples[:3]]
        if request.previous_replies:
            parts.append("Our latest replies (do not repeat them word for word):")
            parts += [f"- {r}" for r in request.previous_replies[:5]]
        if request.feedback:
            parts.append("Your previous draft failed these checks. Write a new one that passes:")
            parts += [f"- {f}" for f in request.feedback]
        if m.context:
            parts.append("Earlier posts in the thread, oldest first:")
            parts += [fence(post, "thread_post") for post in m.context[-5:]]
        parts.append("The post to answer:")
        parts.append(fence(m.text, "customer_post"))
        return "\n".join(parts)

    def _complete(self, messages: list[ChatCompletionMessageParam]) -> ChatCompletion:
        keys = sorted(self.links.topics)
        answer_format = ResponseFormatJSONSchema(
            type="json_schema",
            json_schema=JSONSchema(name="care_reply", strict=True, schema=reply_schema(keys)),
        )
        try:
            return self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                response_format=answer_format,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
            )
        except openai.APITimeoutError as exc:
            raise DrafterUnavailable("timeout") from exc
        except openai.RateLimitError as exc:
            raise DrafterUnavailable("429") from exc
        except openai.APIStatusError as exc:
            reason = "5xx" if exc.status_code >= 500 else f"http {exc.status_code}"
            raise DrafterUnavailable(reason, type(exc).__name__) from exc
        except openai.APIConnectionError as exc:
            raise DrafterUnavailable("connection failed") from exc

    def _usage(self, completion: Any, seconds: float, answer: ModelReply) -> dict[str, float]:
        used = completion.usage
        prompt_tokens = float(getattr(used, "prompt_tokens", 0) or 0)
        completion_tokens = float(getattr(used, "completion_tokens", 0) or 0)
        price_in, price_out = PRICES.get(_base_model(self.model), (0.0, 0.0))
        cost = (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cost_usd": round(cost, 8),
            "seconds": round(seconds, 3),
            "self_check_passed": float(sum(answer.self_check.values())),
        }

    def _examples(self, text: str) -> list[str]:
        if self.examples is None:
            return []
        try:
            return self.examples(text, 3)
        except Exception:  # examples are a nicety; a broken index must not stop drafting
            return []


def with_link(answer: ModelReply, links: LinkBook) -> str:
    """The reply text, ending with the chosen help link when the model named one."""
    url = links.topics.get(answer.link_key) if answer.link_key != NO_LINK else None
    if not url or url.rstrip("/") in answer.reply:
        return answer.reply
    return f"{answer.reply.rstrip()} {url}"


def _base_model(model: str) -> str:
    """ "gpt-4o-mini-2024-07-18" -> "gpt-4o-mini"."""
    for name in sorted(PRICES, key=len, reverse=True):
        if model == name or model.startswith(f"{name}-"):
            return name
    return model


def build_drafter(
    settings: Settings, links: LinkBook, clock: Clock, store: UsageRepo | None
) -> Drafter:
    """The OpenAI drafter the settings describe (key, model, base URL, timeout, retries).

    Examples of approved replies arrive in each request (DraftingService looks them up).
    """
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    client = openai.OpenAI(
        api_key=key or "unset",
        base_url=settings.openai_base_url or None,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
    )

    def record(cost: float) -> None:
        if store is not None:
            store.record_usage("openai", "draft", 1, cost)

    return OpenAIDrafter(
        client,
        model=settings.openai_model,
        prompts=PromptBook.load(settings.prompts),
        links=links,
        clock=clock,
        brand_name=settings.brand_name,
        on_usage=record,
    )
