"""threshold_gaps: which parts of a score range no band covers (pure, no database)."""

from hypothesis import given
from hypothesis import strategies as st

from questionnaires.validation import ThresholdSpec, threshold_gaps


def band(lower, upper, lower_inclusive=True, upper_inclusive=False) -> ThresholdSpec:
    return ThresholdSpec(lower, upper, lower_inclusive, upper_inclusive)


def test_ipip_style_bands_cover_one_to_five():
    bands = [band(None, 3), band(3, 3, True, True), band(3, None, False)]

    assert threshold_gaps(bands, 1, 5) == []


def test_an_exclusive_meeting_point_is_a_gap():
    assert threshold_gaps([band(None, 3), band(3, None, False)], 1, 5) == ["3"]


def test_unbounded_first_and_last_bands_cover_the_ends():
    assert threshold_gaps([band(None, None)], -1e9, 1e9) == []


def test_missing_ends_and_holes_are_reported_as_intervals():
    bands = [band(2, 3), band(4, 5, True, True)]

    assert threshold_gaps(bands, 0, 10) == ["[0, 2)", "[3, 4)", "(5, 10]"]


def test_no_bands_leave_the_whole_range_uncovered():
    assert threshold_gaps([], 1, 5) == ["[1, 5]"]


bounds = st.one_of(st.none(), st.integers(min_value=0, max_value=10))


@given(
    bands=st.lists(st.tuples(bounds, bounds, st.booleans(), st.booleans()), max_size=5),
    low=st.integers(min_value=0, max_value=10),
    span=st.integers(min_value=0, max_value=10),
)
def test_gaps_are_reported_exactly_when_some_point_is_uncovered(bands, low, span):
    specs = [band(lo, hi, li, ui) for lo, hi, li, ui in bands if lo is None or hi is None or lo <= hi]
    high = low + span

    def covered(x: float) -> bool:
        return any(
            (b.lower is None or x > b.lower or (x == b.lower and b.lower_inclusive))
            and (b.upper is None or x < b.upper or (x == b.upper and b.upper_inclusive))
            for b in specs
        )

    # Bounds are whole numbers, so whole and half numbers decide coverage.
    points = [low + k / 2 for k in range(2 * span + 1)]
    assert (threshold_gaps(specs, low, high) == []) == all(covered(x) for x in points)
