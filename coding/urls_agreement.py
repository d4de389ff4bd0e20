"""Pages of the agreement area (namespace `agreement:`)."""

app_name = "agreement"

urlpatterns: list = []
