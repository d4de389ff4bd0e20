"""Pages of the interop area (namespace `interop:`)."""

app_name = "interop"

urlpatterns: list = []
