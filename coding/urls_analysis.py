"""Pages of the analysis area (namespace `analysis:`)."""

app_name = "analysis"

urlpatterns: list = []
