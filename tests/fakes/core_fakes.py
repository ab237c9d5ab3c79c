"""In-process fakes for the core's ports: small, real behaviour, no mocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.models import Case, CaseGroup, Draft, OutboxItem, PublishResult
from bot.core.ports import Clock, DraftRequest, PermanentPublishError


class ScriptedDrafter:
    """Answers with the given texts in turn (the last one repeats); an Exception is raised."""

    def __init__(self, clock: Clock, *answers: str | Exception, label: str = "scripted") -> None:
        self.clock = clock
        self.answers = list(answers) or ["Thanks for telling us! DM us your order number."]
        self.label = label
        self.requests: list[DraftRequest] = []

    def draft(self, request: DraftRequest) -> Draft:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return Draft(
            id=request.draft_id,
            case_id=request.case_id,
            text=answer,
            drafter=self.label,
            created_at=self.clock.now(),
            topic=request.triage.topic,
        )


@dataclass
class FakeNetwork:
    """A network that keeps posted replies; `fail_next` makes the next publishes raise."""

    posts: dict[str, OutboxItem] = field(default_factory=dict)  # remote id -> item
    calls: int = 0
    fail_next: list[Exception] = field(default_factory=list)

    def publish(self, item: OutboxItem) -> PublishResult:
        self.calls += 1
        if self.fail_next:
            raise self.fail_next.pop(0)
        remote = f"r{len(self.posts) + 1}"
        self.posts[remote] = item
        return PublishResult(remote, f"https://net.example/{remote}")

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        for remote, posted in self.posts.items():
            if posted.draft_id == item.draft_id:
                return PublishResult(remote, f"https://net.example/{remote}")
        return None

    def texts(self) -> list[str]:
        return [p.text for p in self.posts.values()]


def refuse(reason: str) -> PermanentPublishError:
    return PermanentPublishError(reason)


@dataclass
class RecordingSurface:
    shown: list[tuple[str, str, str | None]] = field(default_factory=list)  # id, state, draft

    def show(self, case: Case, draft: Draft | None, group: CaseGroup | None = None) -> str | None:
        self.shown.append((case.id, case.state.value, draft.text if draft else None))
        return f"C1/{case.id}"
