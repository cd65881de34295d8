"""``Curve.root``: the liquidation price as one look-up in a table built once per change of the
positions. It must answer what walking the pieces one by one answers (the jumps over pieces that
cannot stop the walk are only a shortcut), and that answer must be a root: the headroom is gone
there and nowhere on the way from the start."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.engine import MaintenanceBasis, MarginRules
from sandbox.engine.curve import Curve, headroom
from sandbox.engine.position import Position
from sandbox.profiles import load_profile

BINANCE = load_profile("binance-usdm")
OKX = load_profile("okx")  # tiers without a maintenance amount: the headroom jumps at edges


def plain_walk(c: Curve, reserve: D, start: D, down: bool) -> D | None:
    """The same walk piece by piece, without jumping (the reference)."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Context

    xs, a, b = c.xs, c.a, c.b
    i = c.piece(start)
    if reserve + a[i] * start + b[i] <= 0:
        return start
    while True:
        if down:
            if a[i] > 0:
                root = Context(prec=28, rounding=ROUND_FLOOR).divide(-(reserve + b[i]), a[i])
                if root >= xs[i]:
                    return root if root > 0 else None
            if i == 0:
                return None
            if reserve + a[i - 1] * xs[i] + b[i - 1] <= 0:
                return xs[i]
            i -= 1
        else:
            last = i == len(xs) - 1
            edge = D("Infinity") if last else xs[i + 1]
            if a[i] < 0:
                root = Context(prec=28, rounding=ROUND_CEILING).divide(-(reserve + b[i]), a[i])
                if root < edge:
                    return root
            if last:
                return None
            if reserve + a[i + 1] * edge + b[i + 1] <= 0:
                return edge
            i += 1


lots = st.lists(
    st.tuples(
        st.sampled_from([1, -1]),
        st.sampled_from(["0.001", "0.5", "3", "40", "250", "2000"]),
        st.sampled_from(["20000", "60000", "61234.5"]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.sampled_from(["binance", "okx", "bybit-like"]),
    lots,
    st.sampled_from(["-1000", "0", "50", "3000", "250000", "10000000", "1e11"]),
    st.sampled_from(["100", "30000", "60000", "90000", "5000000"]),
    st.booleans(),
)
def test_the_look_up_answers_what_the_walk_answers_and_it_is_a_root(which, lots, reserve, start, down):
    profile = OKX if which == "okx" else BINANCE
    rules = MarginRules(MaintenanceBasis.ENTRY) if which == "bybit-like" else profile.margin
    inst = profile.instruments["BTCUSDT"]
    positions = [
        Position(f"p{i}", inst, sign, D(q), D(q) * D(entry), 10, False, D(0))
        for i, (sign, q, entry) in enumerate(lots)
    ]
    curve = Curve.of(positions, rules)
    reserve, start = D(reserve), D(start)
    root = curve.root(reserve, start, down)
    assert root == plain_walk(curve, reserve, start, down)
    if reserve + headroom(positions, rules, start) <= 0:
        assert root == start
        return
    # nowhere between the start and the root (or the end of the way) is the headroom gone
    edges = [x for x in curve.xs if x > 0]
    end = root if root is not None else (D("0.00000001") if down else max([*edges, start]) * 4)
    lo, hi = sorted((start, end))
    checks = [x for x in edges if lo < x < hi] + [lo + (hi - lo) * k / 16 for k in range(1, 16)]
    for price in checks:
        if price != end:
            assert reserve + headroom(positions, rules, price) > 0, (price, root)
    if root is not None:
        assert reserve + headroom(positions, rules, root) <= D("1e-12") * (abs(reserve) + 1)
