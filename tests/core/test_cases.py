from datetime import timedelta

import pytest

from bot.core.cases import ALLOWED, InvalidTransition, transition
from bot.core.models import Case, CaseState
from tests.conftest import make_mention


def new_case(clock) -> Case:
    m = make_mention()
    return Case(m.case_id, m, CaseState.NEW, clock.now(), clock.now())


def test_transition_moves_state_and_writes_one_audit_row(clock):
    case = new_case(clock)
    clock.advance(minutes=1)
    step = transition(case, CaseState.TRIAGED, at=clock.now(), actor="U1", detail="why")
    assert step.changed
    assert step.case.state is CaseState.TRIAGED
    assert step.case.updated_at == clock.now()
    assert (step.audit.from_state, step.audit.to_state, step.audit.actor) == (
        "new",
        "triaged",
        "U1",
    )


def test_applying_the_same_transition_twice_changes_nothing_the_second_time(clock):
    case = transition(new_case(clock), CaseState.TRIAGED, at=clock.now()).case
    again = transition(case, CaseState.TRIAGED, at=clock.now() + timedelta(hours=1))
    assert not again.changed
    assert again.case is case


@pytest.mark.parametrize("final", [CaseState.PUBLISHED, CaseState.DISMISSED, CaseState.EXPIRED])
def test_final_states_have_no_way_out(final):
    assert final.is_final
    assert ALLOWED[final] == frozenset()


def test_skipping_states_is_refused(clock):
    with pytest.raises(InvalidTransition, match="new to published"):
        transition(new_case(clock), CaseState.PUBLISHED, at=clock.now())


def test_every_state_can_reach_a_final_state():
    for start in CaseState:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in ALLOWED[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert any(s.is_final for s in seen), start


def test_evolve_is_replace_without_init_and_refuses_unknown_fields(clock):
    from dataclasses import replace

    case = new_case(clock)
    assert case.evolve(state=CaseState.TRIAGED, flags=("x",)) == replace(
        case, state=CaseState.TRIAGED, flags=("x",)
    )
    assert case.state is CaseState.NEW  # the original is untouched
    with pytest.raises(TypeError, match="no field"):
        case.evolve(colour="red")
