from __future__ import annotations

import pytest

from tooling.drift import CLEAN, DRIFT, ERROR, StackDrift, main, overall_status, summary


def results(*codes: int) -> list[StackDrift]:
    return [StackDrift(stack=f"healthtech-{i}", code=c) for i, c in enumerate(codes)]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ((0, 0, 0), CLEAN),
        ((0, 2, 0), DRIFT),
        ((2, 2), DRIFT),
        ((0, 1), ERROR),
        ((2, 1), ERROR),  # a failed plan hides what it would show: never reported as mere drift
        ((0, 127), ERROR),  # terraform missing, killed, ...: an error, not a clean plan
        ((), ERROR),  # nothing checked is not "no drift"
    ],
)
def test_exit_status_is_the_worst_outcome(codes: tuple[int, ...], expected: int) -> None:
    assert overall_status(results(*codes)) == expected


def test_summary_names_each_stack_and_the_verdict() -> None:
    text = summary(results(0, 2, 1))
    assert "healthtech-0" in text and "no drift" in text
    assert "healthtech-1" in text and "DRIFT: the plan has changes" in text
    assert "healthtech-2" in text and "ERROR: init or plan failed" in text
    assert text.splitlines()[-1] == "exit 1: ERROR: init or plan failed"


def test_an_unknown_environment_is_an_error_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qa"], environ={}) == ERROR
    assert "environment 'qa': unknown; allowed: dev, staging, prod" in capsys.readouterr().err
