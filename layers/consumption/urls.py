"""URLs of the consumption API (mounted at /api/v1/consumption/)."""

app_name = "consumption"

urlpatterns: list = []
