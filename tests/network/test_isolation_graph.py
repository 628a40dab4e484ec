"""Burst isolation, connected parts and traces on hand-made graphs (network/analysis/graph.py,
no database): every expected answer is worked out in the test's docstring."""

from __future__ import annotations

import pytest

from network.analysis.graph import NetworkGraph

# Node ids of the branched network (tree) below.
S, J1, V1, J2, J3, V2, J4, E1, J5, E2 = range(1, 11)


def branched() -> NetworkGraph:
    """Ten nodes, nine pipes, one source S, two valves V1 and V2 (E1, E2 are end caps):

    S --1-- J1 --2-- V1 --3-- J2 --4-- J3 --5-- V2 --6-- J4 --7-- E1
                              |
                              8
                              |
                              J5 --9-- E2
    """
    return NetworkGraph(
        [
            (1, S, J1),
            (2, J1, V1),
            (3, V1, J2),
            (4, J2, J3),
            (5, J3, V2),
            (6, V2, J4),
            (7, J4, E1),
            (8, J2, J5),
            (9, J5, E2),
        ],
        valves={V1, V2},
        feeds={S},
    )


# The looped network: nodes.
L_S, L_J1, L_V1, L_J2, L_J3, L_V2, L_J4 = range(1, 8)


def looped() -> NetworkGraph:
    """A ring J1 - V1 - J2 - J3 - J4 - V2 - J1 fed from S through pipe 1:

    S --1-- J1 --2-- V1 --3-- J2 --4-- J3
             \\                         |
              5-- V2 --6-- J4 ----7-----+
    """
    return NetworkGraph(
        [
            (1, L_S, L_J1),
            (2, L_J1, L_V1),
            (3, L_V1, L_J2),
            (4, L_J2, L_J3),
            (5, L_J1, L_V2),
            (6, L_V2, L_J4),
            (7, L_J4, L_J3),
        ],
        valves={L_V1, L_V2},
        feeds={L_S},
    )


class IsolationTests:
    def test_burst_between_two_valves(self):
        """Burst on pipe 4 (J2-J3) of the branched network.

        The walk from J2 and J3: J2 is a junction, so pipes 3 and 8 join the segment; pipe 3
        ends at V1 (a valve: close it, stop); pipe 8 leads to J5, then pipe 9 to the end cap E2
        (no further pipe). From J3 pipe 5 reaches V2 (close it, stop).
        Valves to close: V1, V2. Isolated: 3, 4, 5, 8, 9.
        With V1 and V2 closed: S reaches J1 (pipe 1) and pipe 2 up to V1, so pipes 1, 2 keep
        their supply; J4 is reached only through V2, so pipes 6 and 7 lose it.
        """
        result = branched().isolation(4)
        assert result.valves == (V1, V2)
        assert result.feeds == ()
        assert result.isolated == (3, 4, 5, 8, 9)
        assert result.without_supply == (6, 7)

    def test_a_burst_beyond_the_last_valve_cuts_only_its_branch(self):
        """Burst on pipe 7 (J4-E1): the walk goes J4 → pipe 6 → V2 (close) and E1 (end).
        Valves: V2; isolated: 6, 7; nothing else loses supply (everything else is upstream)."""
        result = branched().isolation(7)
        assert (result.valves, result.isolated, result.without_supply) == ((V2,), (6, 7), ())

    def test_burst_next_to_the_source(self):
        """Burst on pipe 1 (S-J1): the walk stops at the source S (its outlet towards the
        segment is shut) and, from J1, goes through pipe 2 to V1 (close).
        Valves: V1; feed at the edge: S; isolated: 1, 2. The source feeds nothing else, so
        every other pipe, 3 to 9, is without supply."""
        result = branched().isolation(1)
        assert result.valves == (V1,)
        assert result.feeds == (S,)
        assert result.isolated == (1, 2)
        assert result.without_supply == (3, 4, 5, 6, 7, 8, 9)

    def test_a_loop_needs_both_valves(self):
        """Burst on pipe 4 (J2-J3) of the ring: from J2 pipe 3 reaches V1 (close); from J3
        pipe 7 reaches J4, then pipe 6 reaches V2 (close). Closing V1 alone would leave water
        coming round through J1 - V2 - J4 - J3: two valves are needed.
        Valves: V1, V2; isolated: 3, 4, 6, 7; pipes 1, 2 and 5 stay fed from S through J1."""
        result = looped().isolation(4)
        assert result.valves == (L_V1, L_V2)
        assert result.isolated == (3, 4, 6, 7)
        assert result.without_supply == ()

    def test_without_valves_the_whole_part_is_cut(self):
        """S --1-- A --2-- B --3-- C, and A --4-- D; no valve. A burst on pipe 3 walks back
        through B and A to S (the source: shut) and into pipe 4: the whole part, pipes 1-4,
        is isolated, no valve can do it."""
        s, a, b, c, d = 1, 2, 3, 4, 5
        graph = NetworkGraph([(1, s, a), (2, a, b), (3, b, c), (4, a, d)], feeds={s})
        result = graph.isolation(3)
        assert result.valves == ()
        assert result.feeds == (s,)
        assert result.isolated == (1, 2, 3, 4)
        assert result.without_supply == ()

    def test_two_sources_keep_feeding_around_a_closed_valve(self):
        """S1 --1-- V --2-- A --3-- S2: a burst on pipe 1 closes V and shuts S1's outlet;
        pipes 2 and 3 stay fed from S2."""
        s1, v, a, s2 = 1, 2, 3, 4
        graph = NetworkGraph([(1, s1, v), (2, v, a), (3, a, s2)], valves={v}, feeds={s1, s2})
        result = graph.isolation(1)
        assert (result.valves, result.feeds, result.isolated) == ((v,), (s1,), (1,))
        assert result.without_supply == ()

    def test_unknown_pipe(self):
        with pytest.raises(KeyError):
            branched().isolation(99)


class ComponentTests:
    def test_parts_and_their_sources(self):
        """The branched network (pipes 1-9, fed by S) plus an island X --10-- Y --11-- Z with
        no source: two parts, the largest first; the island is the isolated one."""
        pipes = [(p, a, b) for p, (a, b) in branched().ends.items()]
        graph = NetworkGraph([*pipes, (10, 20, 21), (11, 21, 22)], valves={V1, V2}, feeds={S})
        parts = graph.components()
        assert [c.pipes for c in parts] == [tuple(range(1, 10)), (10, 11)]
        assert [c.feeds for c in parts] == [(S,), ()]
        assert [c.supplied for c in parts] == [True, False]
        # An island's pipes are never "supplied", so a burst there cuts off nothing more.
        assert graph.isolation(10).without_supply == ()


class TraceTests:
    def test_downstream_is_what_the_pipe_feeds(self):
        """Taking pipe 2 (J1-V1) out of the branched network leaves everything past V1
        unreached from S: pipes 3-9. Pipe 7 feeds nothing (E1 is an end cap)."""
        graph = branched()
        assert graph.downstream(2) == (3, 4, 5, 6, 7, 8, 9)
        assert graph.downstream(7) == ()

    def test_upstream_is_what_the_pipe_depends_on(self):
        """Pipe 9 is reached from S only along 1, 2, 3, 8: each of them, taken out, cuts it
        off. Pipe 1 leaves the source: it depends on nothing."""
        graph = branched()
        assert graph.upstream(9) == (1, 2, 3, 8)
        assert graph.upstream(7) == (1, 2, 3, 4, 5, 6)
        assert graph.upstream(1) == ()

    def test_a_loop_has_no_downstream_and_shares_its_upstream(self):
        """In the ring every pipe has a way round: removing pipe 4 cuts nothing off. Pipe 1 is
        the only way in: every ring pipe depends on it, and it feeds them all."""
        graph = looped()
        assert graph.downstream(4) == ()
        assert graph.upstream(4) == (1,)
        assert graph.downstream(1) == (2, 3, 4, 5, 6, 7)

    def test_two_sources_at_both_ends(self):
        """S1 --1-- A --2-- B --3-- S2, and B --4-- C: the line is fed from both ends, so
        pipes 1-3 depend on nothing; C hangs off B: pipe 4 depends on nothing either (B is fed
        both ways) and feeds nothing further."""
        s1, a, b, s2, c = 1, 2, 3, 4, 5
        graph = NetworkGraph([(1, s1, a), (2, a, b), (3, b, s2), (4, b, c)], feeds={s1, s2})
        assert [graph.upstream(p) for p in (1, 2, 3, 4)] == [(), (), (), ()]
        assert graph.downstream(2) == ()

    def test_an_unfed_pipe_has_no_trace(self):
        graph = NetworkGraph([(1, 1, 2), (2, 2, 3)], feeds=set())
        assert graph.upstream(2) == () and graph.downstream(1) == ()

    def test_parallel_pipes_are_a_loop(self):
        """S --1-- A, then two pipes 2 and 3 both from A to B: neither depends on the other."""
        graph = NetworkGraph([(1, 1, 2), (2, 2, 3), (3, 2, 3)], feeds={1})
        assert graph.upstream(2) == (1,)
        assert graph.downstream(2) == ()
        assert graph.downstream(1) == (2, 3)
