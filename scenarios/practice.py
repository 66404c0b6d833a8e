"""How many times a learner has practised each scenario.

Scenarios do not store plays themselves. The app that records plays registers a counter in its
``AppConfig.ready()``::

    from scenarios.practice import register_practised_counter

    def plays_per_scenario(user, scenario_ids):
        return dict(Play.objects.filter(user=user, scenario_id__in=scenario_ids)
                    .values_list("scenario_id").annotate(n=Count("id")))

    register_practised_counter(plays_per_scenario)

The catalog then shows "practised N times". With no counter registered every count is 0.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

PractisedCounter = Callable[[Any, list[int]], Mapping[int, int]]

_counters: list[PractisedCounter] = []


def register_practised_counter(counter: PractisedCounter) -> PractisedCounter:
    """Add a counter (usable as a decorator); registering the same one twice has no effect."""
    if counter not in _counters:
        _counters.append(counter)
    return counter


def unregister_practised_counter(counter: PractisedCounter) -> None:
    if counter in _counters:
        _counters.remove(counter)


def practised_counts(user: Any, scenario_ids: Iterable[int]) -> dict[int, int]:
    """Plays per scenario id for ``user``, summed over every registered counter (0 when none)."""
    ids = list(scenario_ids)
    totals = dict.fromkeys(ids, 0)
    if user is None or not getattr(user, "is_authenticated", False) or not ids:
        return totals
    for counter in _counters:
        for scenario_id, count in counter(user, ids).items():
            if scenario_id in totals:
                totals[scenario_id] += int(count)
    return totals
