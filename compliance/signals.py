"""Signal receivers of the compliance app."""

from compliance.services import indicators_seed


def seed_after_migrate(**_kwargs) -> None:
    """Seed the indicators once the compliance tables exist."""
    indicators_seed()
