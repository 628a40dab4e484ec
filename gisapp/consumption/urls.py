"""URLs of the consumption query pages."""

app_name = "consumption_pages"

urlpatterns: list = []
