"""An import's history (network/services/import_history.py): the states after are built in the
database, and read back equal to the features the network's own snapshots give."""

import pytest

from network.models import NetworkChange, PipeNode, PipeSegment
from network.services import import_history
from network.services.session import HISTORY_DIGITS, node_features, pipe_features

pytestmark = pytest.mark.django_db


def test_after_states_equal_the_snapshots_and_chunks_follow_the_ids(monkeypatch):
    """Five demo pipes with a town and a supply zone, recorded in chunks of 2: three changes
    (ids 1-2, 3-4, 5 in order), each after-state equal to pipe_features at full precision;
    the before-state given for the second pipe comes back as given, in its chunk only. Two
    nodes: their after-states equal node_features (degree included)."""
    monkeypatch.setattr(import_history, "IMPORT_HISTORY_CHUNK", 2)
    pipes = list(
        PipeSegment.objects.filter(town__isnull=False, supply_zone__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:5]
    )
    assert len(pipes) == 5
    before = {pipes[1]: {"type": "Feature", "id": pipes[1], "note": "as it was"}}
    last = NetworkChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert import_history.network_import_record("pipes", before, reversed(pipes)) == 3
    changes = list(NetworkChange.objects.filter(pk__gt=last).order_by("pk"))
    assert [c.pipe_ids for c in changes] == [pipes[0:2], pipes[2:4], pipes[4:5]]
    assert all(c.operation == "import" and c.node_ids == [] for c in changes)
    expected = pipe_features(pipes, HISTORY_DIGITS)
    assert [f for c in changes for f in c.after["pipes"]] == [expected[i] for i in pipes]
    assert [c.before["pipes"] for c in changes] == [[before[pipes[1]]], [], []]

    nodes = list(PipeNode.objects.order_by("pk").values_list("pk", flat=True)[:2])
    import_history.network_import_record("pipe-nodes", {}, nodes)
    change = NetworkChange.objects.order_by("-pk").first()
    assert change.node_ids == nodes and change.pipe_ids == []
    assert change.after["nodes"] == list(node_features(nodes, HISTORY_DIGITS).values())
