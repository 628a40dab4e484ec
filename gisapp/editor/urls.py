"""URLs of the network editor page."""

app_name = "editor"

urlpatterns: list = []
